//! Who holds a listening TCP port, read from `/proc/net/tcp`, `/proc/net/tcp6` and
//! the `/proc/PID/fd` links of processes: for a readiness probe, so that a port
//! answered by some other process (the service itself failed to bind it) does not
//! count as the service being ready. The process tree comes from `proc_table`.
//! Linux only; elsewhere nothing is visible and every question answers "cannot
//! tell". Must not import `syntax` or `check`.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::proc_table::{command_line, descendants_of, read_processes};

/// The kernel's number for the `LISTEN` state in `/proc/net/tcp`.
const LISTEN_STATE: &str = "0A";

/// One listening socket of the machine (of this network namespace).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Listener {
    pub address: SocketAddr,
    /// The socket's inode: what `/proc/PID/fd/N` links to as `socket:[INODE]`.
    pub inode: u64,
}

/// Parses `/proc/net/tcp` (or `tcp6`, the same columns with longer addresses) and
/// keeps the sockets in the `LISTEN` state. Lines that do not read are skipped.
pub(crate) fn parse_listeners(text: &str) -> Vec<Listener> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.get(3) != Some(&LISTEN_STATE) {
                return None;
            }
            let address = parse_address(fields.get(1)?)?;
            let inode = fields.get(9)?.parse().ok()?;
            Some(Listener { address, inode })
        })
        .collect()
}

/// `0100007F:1F90` is 127.0.0.1:8080: the address is printed as the 32-bit words
/// of its network-order bytes in the machine's own order, the port as a number.
fn parse_address(text: &str) -> Option<SocketAddr> {
    let (address, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let mut bytes = Vec::with_capacity(16);
    for word in address.as_bytes().chunks(8) {
        let word = std::str::from_utf8(word).ok()?;
        bytes.extend_from_slice(&u32::from_str_radix(word, 16).ok()?.to_ne_bytes());
    }
    let ip = match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// The listening sockets that a connection to one of `targets` could reach, or
/// `None` when the table cannot be read (not Linux, no `/proc`).
pub(crate) fn listeners_for(targets: &[SocketAddr]) -> Option<Vec<Listener>> {
    let mut readable = false;
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        readable = true;
        found.extend(
            parse_listeners(&text)
                .into_iter()
                .filter(|listener| targets.iter().any(|target| reaches(*target, listener))),
        );
    }
    readable.then_some(found)
}

/// Whether a connection to `target` may land on `listener`: the same port, and
/// the same address or a listener on every address (`0.0.0.0`, `::`, which also
/// takes IPv4 unless the socket is IPv6-only, which the table does not say).
fn reaches(target: SocketAddr, listener: &Listener) -> bool {
    let same_address = |listening: IpAddr| {
        listening == target.ip()
            || match (listening, target.ip()) {
                (IpAddr::V6(listening), IpAddr::V4(target)) => {
                    listening.to_ipv4_mapped() == Some(target)
                }
                _ => false,
            }
    };
    listener.address.port() == target.port()
        && (listener.address.ip().is_unspecified()
            || target.ip().is_unspecified()
            || same_address(listener.address.ip()))
}

/// Whether every address is this machine's own for sure (loopback or
/// unspecified): only then does `/proc/net/tcp` show who answers a connection.
pub(crate) fn all_local(targets: &[SocketAddr]) -> bool {
    !targets.is_empty()
        && targets
            .iter()
            .all(|target| target.ip().is_loopback() || target.ip().is_unspecified())
}

/// The pids of a service's process tree: `root` (its `sh`), whatever descends from
/// it, and whatever is still in its process group (a child whose parent exited is
/// adopted elsewhere but stays in the group).
pub(crate) fn process_tree(root: i32) -> Vec<i32> {
    let processes = read_processes();
    let mut tree: Vec<i32> = descendants_of(root, &processes)
        .iter()
        .map(|process| process.pid)
        .collect();
    tree.push(root);
    tree.extend(
        processes
            .iter()
            .filter(|process| process.group == root && !tree.contains(&process.pid))
            .map(|process| process.pid)
            .collect::<Vec<_>>(),
    );
    tree
}

/// The socket inodes that the processes `pids` hold open (those whose `fd` folder
/// this process may read: its own user's).
pub(crate) fn socket_inodes(pids: &[i32]) -> HashSet<u64> {
    pids.iter()
        .filter_map(|pid| std::fs::read_dir(format!("/proc/{pid}/fd")).ok())
        .flat_map(|entries| entries.filter_map(Result::ok))
        .filter_map(|entry| std::fs::read_link(entry.path()).ok())
        .filter_map(|target| socket_inode(&target.to_string_lossy()))
        .collect()
}

/// `socket:[12345]` is 12345.
fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// A process that holds one of `inodes` open, with its command line: the first
/// found among the processes whose `fd` folder can be read.
pub(crate) fn holder_of(inodes: &HashSet<u64>) -> Option<(i32, String)> {
    read_processes()
        .iter()
        .find(|process| !socket_inodes(&[process.pid]).is_disjoint(inodes))
        .map(|process| (process.pid, command_line(process.pid)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0
   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 99 1 0000000000000000 20 4 30 10 -1
";

    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 555 1 0000000000000000 100 0 0 10 0
";

    fn address(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn listening_sockets_are_read_with_their_inodes() {
        assert_eq!(
            parse_listeners(TCP),
            vec![
                Listener {
                    address: address("127.0.0.1:8080"),
                    inode: 4242
                },
                Listener {
                    address: address("0.0.0.0:80"),
                    inode: 77
                },
            ]
        );
        assert_eq!(
            parse_listeners(TCP6),
            vec![Listener {
                address: address("[::1]:3000"),
                inode: 555
            }]
        );
        assert!(parse_listeners("header only\n  0: garbage").is_empty());
    }

    #[test]
    fn a_listener_is_reached_on_its_address_or_from_every_address() {
        let on = |text: &str| Listener {
            address: address(text),
            inode: 1,
        };
        let target = address("127.0.0.1:8080");
        assert!(reaches(target, &on("127.0.0.1:8080")));
        assert!(reaches(target, &on("0.0.0.0:8080")));
        assert!(reaches(target, &on("[::]:8080")));
        assert!(reaches(target, &on("[::ffff:127.0.0.1]:8080")));
        assert!(!reaches(target, &on("127.0.0.1:8081")));
        assert!(!reaches(target, &on("127.0.0.2:8080")));
        assert!(!reaches(target, &on("[::1]:8080")));
        assert!(all_local(&[target, address("[::1]:1")]));
        assert!(!all_local(&[target, address("10.1.2.3:80")]));
        assert!(!all_local(&[]));
    }

    #[test]
    fn a_listener_of_this_process_is_found_in_its_tree_and_named() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap();
        let found = listeners_for(&[port]).expect("a Linux /proc");
        assert_eq!(found.len(), 1, "{found:?}");
        let own = std::process::id() as i32;
        let inodes: HashSet<u64> = found.iter().map(|listener| listener.inode).collect();
        assert!(!socket_inodes(&process_tree(own)).is_disjoint(&inodes));
        let (pid, _) = holder_of(&inodes).expect("this process holds it");
        assert_eq!(pid, own);
    }
}
