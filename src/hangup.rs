//! A terminal that goes away (tmux kill-session, a dropped SSH session, a closed
//! window) sends SIGHUP, and from then on every write to it fails with EIO.
//! `eprintln!` panics on that error, and the panic report, written to the same dead
//! stderr by the panic hook, fails again inside the hook, which aborts the process
//! before it has paused its campaigns. So after a hangup the terminal's descriptors are
//! pointed at /dev/null before anything else is written; files and pipes (`run`'s
//! stderr under systemd or a script) are left alone and keep their output.

use rustix::io::Errno;
use std::fs::OpenOptions;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

/// Set once the hangup has been handled.
static HUNG_UP: AtomicBool = AtomicBool::new(false);

/// The log line a hangup writes, so the operator finds why the console stopped; what
/// happens next (the console detaches, `run` stops) is logged by whoever stops.
pub const TERMINAL_HUNG_UP: &str = "the terminal hung up (SIGHUP)";

/// What the console logs when it leaves, after a hangup as after a quit: its engine is
/// another process and goes on.
pub const CONSOLE_DETACHED: &str = "the console detached; the engine keeps running its campaigns";

/// Leaves the dead terminal and logs [`TERMINAL_HUNG_UP`], once however many times
/// the hangup is noticed (the signal, then the failing reads).
pub fn terminal_hung_up() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        detach_from_terminal();
        HUNG_UP.store(true, Ordering::SeqCst);
        tracing::warn!("{TERMINAL_HUNG_UP}");
    });
}

/// Whether the terminal has hung up, handled or not yet: a draw that failed because
/// of it is a hangup, not an error to report.
pub fn terminal_is_gone() -> bool {
    HUNG_UP.load(Ordering::SeqCst)
        || [std::io::stdin().as_fd(), std::io::stdout().as_fd()]
            .into_iter()
            .any(|fd| matches!(rustix::termios::tcgetattr(fd), Err(Errno::IO)))
}

/// Points stdin, stdout and stderr at /dev/null where they are a terminal, live or
/// hung up. Failures are logged, not returned: there is nothing better to do.
pub fn detach_from_terminal() {
    let null = match OpenOptions::new().read(true).write(true).open("/dev/null") {
        Ok(null) => null,
        Err(e) => {
            tracing::warn!("cannot open /dev/null to leave the terminal: {e}");
            return;
        }
    };
    let redirected = [
        is_terminal(std::io::stdin().as_fd()).then(|| rustix::stdio::dup2_stdin(&null)),
        is_terminal(std::io::stdout().as_fd()).then(|| rustix::stdio::dup2_stdout(&null)),
        is_terminal(std::io::stderr().as_fd()).then(|| rustix::stdio::dup2_stderr(&null)),
    ];
    for failed in redirected.into_iter().flatten().filter_map(Result::err) {
        tracing::warn!("cannot point a terminal descriptor at /dev/null: {failed}");
    }
}

/// A hung-up terminal answers its ioctls with EIO; anything else (ENOTTY) is a file,
/// a pipe or a socket.
fn is_terminal(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    match rustix::termios::tcgetattr(fd) {
        Ok(_) => true,
        Err(e) => e == Errno::IO,
    }
}
