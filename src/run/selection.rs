//! Which tests a run runs: `--test`, `--tag`, `--checkpoint`, `--stage` and
//! `--shard` applied to the plan. A selection that keeps nothing is a usage
//! error that names the selector (with a did-you-mean for stage and checkpoint
//! names), because a run of nothing would pass and gate nothing. Pure: no IO.

use crate::plan::Plan;

/// Which tests to run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub test_glob: Option<String>,
    pub tags: Vec<String>,
    pub checkpoint: Option<String>,
    pub stage: Option<String>,
    /// `(K, N)`: only slice K of N.
    pub shard: Option<(usize, usize)>,
}

/// A selection that cannot be run; the CLI exits 2 with this message.
#[derive(Debug, PartialEq, Eq)]
pub struct SelectionError(pub String);

/// Tests of the plan that the selection keeps, as (suite index, test index), in
/// declaration order. An error when it keeps nothing.
pub fn select(plan: &Plan, selection: &Selection) -> Result<Vec<(usize, usize)>, SelectionError> {
    let glob = match &selection.test_glob {
        Some(pattern) => Some(
            globset::Glob::new(pattern)
                .map_err(|error| {
                    SelectionError(format!("--test {pattern:?} is not a valid glob: {error}"))
                })?
                .compile_matcher(),
        ),
        None => None,
    };
    if let Some(stage) = &selection.stage {
        known_name("stage", stage, &stages(plan))?;
    }
    if let Some(checkpoint) = &selection.checkpoint {
        known_name("checkpoint", checkpoint, &checkpoints(plan))?;
    }
    let mut selected = Vec::new();
    for (suite_index, suite) in plan.suites.iter().enumerate() {
        for (test_index, test) in suite.tests.iter().enumerate() {
            let qualified = format!("{}/{}", suite.name, test.name);
            let keep = glob
                .as_ref()
                .is_none_or(|glob| glob.is_match(&test.name) || glob.is_match(&qualified))
                && (selection.tags.is_empty()
                    || selection.tags.iter().any(|tag| test.tags.contains(tag)))
                && selection.checkpoint.as_ref().is_none_or(|name| {
                    test.checkpoint
                        .as_ref()
                        .is_some_and(|checkpoint| &checkpoint.name == name)
                })
                && selection.stage.as_ref().is_none_or(|stage| {
                    test.checkpoint
                        .as_ref()
                        .is_some_and(|checkpoint| checkpoint.stage.as_ref() == Some(stage))
                });
            if keep {
                selected.push((suite_index, test_index));
            }
        }
    }
    if selected.is_empty() {
        return Err(nothing_selected(plan, selection));
    }
    match selection.shard {
        Some(shard) => shard_of(plan, &selected, shard),
        None => Ok(selected),
    }
}

/// Slice `index` of `count`: the selected tests cut into units — each
/// checkpoint's tests together (a gate and what it gates cannot be judged
/// apart), every other test alone — dealt out in turn.
fn shard_of(
    plan: &Plan,
    selected: &[(usize, usize)],
    (index, count): (usize, usize),
) -> Result<Vec<(usize, usize)>, SelectionError> {
    let checkpoint_of = |(suite, test): (usize, usize)| {
        plan.suites
            .get(suite)
            .and_then(|suite| suite.tests.get(test))
            .and_then(|test| test.checkpoint.as_ref())
            .map(|checkpoint| (suite, checkpoint.name.clone()))
    };
    let mut units: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut unit_checkpoints: Vec<Option<(usize, String)>> = Vec::new();
    for &test in selected {
        let checkpoint = checkpoint_of(test);
        let joined = checkpoint.as_ref().and_then(|checkpoint| {
            unit_checkpoints
                .iter()
                .position(|known| known.as_ref() == Some(checkpoint))
        });
        match joined.and_then(|position| units.get_mut(position)) {
            Some(unit) => unit.push(test),
            None => {
                units.push(vec![test]);
                unit_checkpoints.push(checkpoint);
            }
        }
    }
    let shard: Vec<(usize, usize)> = units
        .iter()
        .enumerate()
        .filter(|(position, _)| position % count == index)
        .flat_map(|(_, unit)| unit.iter().copied())
        .collect();
    if shard.is_empty() {
        return Err(SelectionError(format!(
            "shard {index}/{count} has no tests: the selection has {} test{} in {} unit{} \
             (a checkpoint's tests stay together), so use at most {} shard{}",
            selected.len(),
            plural(selected.len()),
            units.len(),
            plural(units.len()),
            units.len(),
            plural(units.len()),
        )));
    }
    let mut shard = shard;
    shard.sort_unstable();
    Ok(shard)
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// The stages of the plan's checkpoints, each once, in declaration order.
fn stages(plan: &Plan) -> Vec<String> {
    let mut stages: Vec<String> = Vec::new();
    for test in plan.suites.iter().flat_map(|suite| &suite.tests) {
        if let Some(stage) = test.checkpoint.as_ref().and_then(|c| c.stage.as_ref())
            && !stages.contains(stage)
        {
            stages.push(stage.clone());
        }
    }
    stages
}

/// The names of the plan's checkpoints, each once, in declaration order.
fn checkpoints(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for test in plan.suites.iter().flat_map(|suite| &suite.tests) {
        if let Some(checkpoint) = &test.checkpoint
            && !names.contains(&checkpoint.name)
        {
            names.push(checkpoint.name.clone());
        }
    }
    names
}

/// `no stage "biuld"; did you mean "build"? stages: "build", "deploy"`.
fn known_name(kind: &str, wanted: &str, known: &[String]) -> Result<(), SelectionError> {
    if known.iter().any(|name| name == wanted) {
        return Ok(());
    }
    let near = crate::diagnostics::did_you_mean(wanted, known.iter().map(String::as_str))
        .map(|near| format!("; did you mean {near:?}?"))
        .unwrap_or_default();
    let listed = if known.is_empty() {
        format!("the files declare no {kind}s")
    } else {
        let names: Vec<String> = known.iter().map(|name| format!("{name:?}")).collect();
        format!("{kind}s: {}", names.join(", "))
    };
    Err(SelectionError(format!(
        "no {kind} {wanted:?}{near} ({listed})"
    )))
}

/// Names every selector given, and how many tests there are without them.
fn nothing_selected(plan: &Plan, selection: &Selection) -> SelectionError {
    let mut selectors = Vec::new();
    if let Some(glob) = &selection.test_glob {
        selectors.push(format!("--test {glob:?}"));
    }
    if !selection.tags.is_empty() {
        let tags: Vec<String> = selection
            .tags
            .iter()
            .map(|tag| format!("{tag:?}"))
            .collect();
        selectors.push(format!("--tag {}", tags.join(" or ")));
    }
    if let Some(checkpoint) = &selection.checkpoint {
        selectors.push(format!("--checkpoint {checkpoint:?}"));
    }
    if let Some(stage) = &selection.stage {
        selectors.push(format!("--stage {stage:?}"));
    }
    let total: usize = plan.suites.iter().map(|suite| suite.tests.len()).sum();
    if selectors.is_empty() || total == 0 {
        return SelectionError(
            "the files hold no tests: nothing would be run, and a run of nothing would pass"
                .to_string(),
        );
    }
    SelectionError(format!(
        "no test matches {} (the files hold {total} test{}; `ritc list` shows them)",
        selectors.join(" and "),
        plural(total)
    ))
}
