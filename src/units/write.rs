//! How durations, sizes, percents and plain numbers are written, in one place. Each
//! style has one function, named by where its text is read: a `.rit` literal that
//! reads back (`literal_*`, also what `{{ x }}` inserts and what the reports store),
//! the terminal's and the reports' summaries, a histogram's axis, a timeout in a
//! message. The styles differ on purpose (a literal must read back, a summary must
//! be short); a new place that writes a unit picks one here rather than writing
//! another.

use std::time::Duration;

/// A duration as a literal that reads back (`150ms`, `1.5s`, `2m`, `1h`).
pub fn literal_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    let millis = seconds * 1000.0;
    if seconds >= 3600.0 && seconds % 3600.0 == 0.0 {
        format!("{}h", seconds / 3600.0)
    } else if seconds >= 60.0 && seconds % 60.0 == 0.0 {
        format!("{}m", seconds / 60.0)
    } else if millis < 1000.0 {
        format!("{}ms", trim_float(millis))
    } else {
        format!("{}s", trim_float(seconds))
    }
}

/// A size as a literal that reads back: the largest binary unit that divides it
/// (`64KB`, `1000B`).
pub fn literal_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)];
    for (unit, factor) in UNITS {
        if bytes >= factor && bytes.is_multiple_of(factor) {
            return format!("{}{unit}", bytes / factor);
        }
    }
    format!("{bytes}B")
}

/// A fraction as a percent literal that reads back (`0.995` → `99.5%`).
pub fn literal_percent(fraction: f64) -> String {
    format!(
        "{}%",
        trim_float((fraction * 100.0 * 1000.0).round() / 1000.0)
    )
}

/// A float as a literal writes it: at most three decimals, no trailing zeros.
pub fn trim_float(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

/// Milliseconds as the literal a translated file writes (`ritc import`): `5000` →
/// `5s`, `1500` → `1.5s`, `250` → `250ms`, `120000` → `2m`. Seconds only for whole
/// tenths, so an imported `1250` stays `1250ms` as its author wrote it.
pub fn literal_duration_from_millis(millis: f64) -> String {
    if millis >= 60_000.0 && millis % 60_000.0 == 0.0 {
        format!("{}m", plain_number(millis / 60_000.0))
    } else if millis >= 1000.0 && (millis % 100.0 == 0.0) {
        format!("{}s", plain_number(millis / 1000.0))
    } else {
        format!("{}ms", plain_number(millis))
    }
}

/// A fraction as the percent literal a translated file writes: `0.99` → `99%`,
/// `0.995` → `99.5%`.
pub fn literal_percent_from_fraction(fraction: f64) -> String {
    format!("{}%", plain_number(fraction * 100.0))
}

/// A number without float noise or a useless `.0` (`98.99999999999999` → `99`).
pub fn plain_number(value: f64) -> String {
    let rounded = (value * 1_000_000.0).round() / 1_000_000.0;
    let text = format!("{rounded:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A limit in a message as a literal would write it, in whole seconds from one
/// second up (`500ms`, `60s`, `1.5s`): a timeout reads the way its author wrote it.
pub fn limit_duration(duration: Duration) -> String {
    milliseconds_or_seconds(duration, |seconds| format!("{seconds}s"))
}

/// A measured time to the millisecond (`150ms`, `2s`, `1.234s`), for the `-v`
/// exchange's response line: three decimals below whole seconds.
pub fn measured_duration(duration: Duration) -> String {
    milliseconds_or_seconds(duration, |seconds| format!("{seconds:.3}s"))
}

/// Whole milliseconds below a second, whole seconds when there is no fraction, and
/// `fractional` (given the seconds) for the rest.
fn milliseconds_or_seconds(duration: Duration, fractional: impl Fn(f64) -> String) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis}ms")
    } else if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        fractional(duration.as_secs_f64())
    }
}

/// A duration as people read it in a load summary: `450µs`, `12.3ms`, `1.25s`.
pub fn short_duration(duration: Duration) -> String {
    let micros = duration.as_micros();
    if micros == 0 {
        "0s".to_string()
    } else if micros < 1000 {
        format!("{micros}µs")
    } else if micros < 1_000_000 {
        decimals_trimmed(micros as f64 / 1000.0, if micros < 10_000 { 2 } else { 1 }) + "ms"
    } else {
        decimals_trimmed(duration.as_secs_f64(), 2) + "s"
    }
}

fn decimals_trimmed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A report's duration: "45.2s" from one second up, "12ms" or "0.4ms" below.
pub fn summary_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 1.0 {
        format!("{:.1}s", seconds)
    } else {
        let millis = seconds * 1000.0;
        if millis >= 10.0 || millis == 0.0 {
            format!("{}ms", millis.round())
        } else {
            format!("{:.1}ms", millis)
        }
    }
}

/// Milliseconds on a chart's axis: "1.25s", "250ms", "2.50ms".
pub fn chart_millis(millis: f64) -> String {
    if millis >= 1000.0 {
        format!("{:.2}s", millis / 1000.0)
    } else if millis >= 10.0 {
        format!("{millis:.0}ms")
    } else {
        format!("{millis:.2}ms")
    }
}

/// Milliseconds as seconds with three decimals, as JUnit's `time` attribute wants.
pub fn seconds_from_millis(millis: f64) -> String {
    format!("{:.3}", millis / 1000.0)
}

/// A service's memory as people read it: "212.4 MiB", "512 KiB", "3.0 GiB".
pub fn binary_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if value >= KIB * KIB * KIB {
        format!("{:.1} GiB", value / (KIB * KIB * KIB))
    } else if value >= KIB * KIB {
        format!("{:.1} MiB", value / (KIB * KIB))
    } else if value >= KIB {
        format!("{:.0} KiB", value / KIB)
    } else {
        format!("{bytes} B")
    }
}

/// A measured percent (already times 100) to one decimal: "99.6%".
pub fn measured_percent(percent: f64) -> String {
    format!("{percent:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_back() {
        assert_eq!(literal_duration(Duration::from_millis(150)), "150ms");
        assert_eq!(literal_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(literal_duration(Duration::from_secs(5)), "5s");
        assert_eq!(literal_duration(Duration::from_secs(120)), "2m");
        assert_eq!(literal_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(literal_size(65536), "64KB");
        assert_eq!(literal_size(1000), "1000B");
        assert_eq!(literal_percent(0.995), "99.5%");
        assert_eq!(literal_percent(1.0), "100%");
    }

    #[test]
    fn imported_literals() {
        assert_eq!(literal_duration_from_millis(5000.0), "5s");
        assert_eq!(literal_duration_from_millis(1500.0), "1.5s");
        assert_eq!(literal_duration_from_millis(1250.0), "1250ms");
        assert_eq!(literal_duration_from_millis(250.0), "250ms");
        assert_eq!(literal_duration_from_millis(120_000.0), "2m");
        assert_eq!(literal_percent_from_fraction(0.99), "99%");
        assert_eq!(literal_percent_from_fraction(0.995), "99.5%");
        assert_eq!(plain_number(98.99999999999999), "99");
        assert_eq!(plain_number(-0.0), "0");
    }

    #[test]
    fn limits_and_measured_times() {
        assert_eq!(limit_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(limit_duration(Duration::from_secs(60)), "60s");
        assert_eq!(limit_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(measured_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(measured_duration(Duration::from_secs(2)), "2s");
        assert_eq!(
            measured_duration(Duration::from_micros(1_234_567)),
            "1.235s"
        );
    }

    #[test]
    fn summaries() {
        assert_eq!(short_duration(Duration::from_micros(450)), "450µs");
        assert_eq!(short_duration(Duration::from_micros(1500)), "1.5ms");
        assert_eq!(short_duration(Duration::from_micros(12_345)), "12.3ms");
        assert_eq!(short_duration(Duration::from_millis(1250)), "1.25s");
        assert_eq!(short_duration(Duration::from_secs(10)), "10s");
        assert_eq!(summary_duration(Duration::from_millis(45_230)), "45.2s");
        assert_eq!(summary_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(summary_duration(Duration::from_micros(420)), "0.4ms");
        assert_eq!(summary_duration(Duration::ZERO), "0ms");
        assert_eq!(chart_millis(1250.0), "1.25s");
        assert_eq!(chart_millis(250.0), "250ms");
        assert_eq!(chart_millis(2.5), "2.50ms");
        assert_eq!(seconds_from_millis(1234.0), "1.234");
        assert_eq!(binary_size(512 * 1024), "512 KiB");
        assert_eq!(binary_size(3 << 30), "3.0 GiB");
        assert_eq!(binary_size(100), "100 B");
        assert_eq!(measured_percent(99.64), "99.6%");
    }
}
