//! The daemon under systemd's eyes: the unit verifies, and `kefu run`
//! speaks the notify protocol (READY, WATCHDOG, STOPPING) and stops cleanly.

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::Sandbox;

#[test]
fn the_unit_file_verifies() {
    let sandbox = Sandbox::new();
    let unit =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/systemd/kefu.service"))
            .unwrap();
    assert!(unit.contains("Type=notify") && unit.contains("WatchdogSec="));
    let unit = unit.replace("/usr/local/bin/kefu", env!("CARGO_BIN_EXE_kefu"));
    let path = sandbox.dir.path().join("kefu.service");
    std::fs::write(&path, unit).unwrap();
    let output = Command::new("systemd-analyze")
        .args(["verify", path.to_str().unwrap()])
        .output()
        .expect("systemd-analyze is needed (Debian package systemd)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("kefu.service:"),
        "warnings about the unit: {stderr}"
    );
}

#[test]
fn run_notifies_ready_watchdog_and_stopping() {
    let sandbox = Sandbox::new();
    let socket_path = sandbox.dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let started = Instant::now();
    let mut child = sandbox
        .kefu(&["run"])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "200000")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 512];
    let mut received = Vec::new();
    let recv = |received: &mut Vec<String>, buf: &mut [u8]| {
        let n = socket.recv(buf).expect("notification expected");
        let message = String::from_utf8_lossy(&buf[..n]).into_owned();
        received.push(message.clone());
        message
    };
    assert!(
        recv(&mut received, &mut buf).contains("READY=1"),
        "{received:?}"
    );
    let ready_after = started.elapsed();
    assert!(
        recv(&mut received, &mut buf).contains("WATCHDOG=1"),
        "{received:?}"
    );
    eprintln!("start to READY: {ready_after:?}");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    loop {
        if recv(&mut received, &mut buf).contains("STOPPING=1") {
            break;
        }
    }
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "exit status {status}: {stderr}");
    assert!(stderr.contains("state flushed"), "{stderr}");
}
