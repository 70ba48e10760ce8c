//! The public form under a flood of large bodies without a proof of work:
//! the running server (`liem serve`) refuses each at its first file part,
//! before reading it, so eight concurrent 100 MB posts grow the process by
//! less than 50 MB (its peak resident memory, read from /proc).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn status_kib(pid: u32, key: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{key} in /proc/{pid}/status"))
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn post(addr: &str, body_mb: usize) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return;
    };
    s.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head_fields = "--B\r\nContent-Disposition: form-data; name=\"pow_challenge\"\r\n\r\nno\r\n\
        --B\r\nContent-Disposition: form-data; name=\"pow_nonce\"\r\n\r\n1\r\n\
        --B\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"big.pdf\"\r\n\
        Content-Type: application/pdf\r\n\r\n%PDF-1.4\n";
    let total = body_mb * 1024 * 1024;
    let head = format!(
        "POST /report HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary=B\r\n\
         Content-Length: {total}\r\n\r\n{head_fields}"
    );
    if s.write_all(head.as_bytes()).is_err() {
        return;
    }
    let chunk = vec![b'0'; 256 * 1024];
    let mut sent = head_fields.len();
    while sent < total {
        let n = chunk.len().min(total - sent);
        if s.write_all(&chunk[..n]).is_err() {
            break; // the server stopped reading: refused early
        }
        sent += n;
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
}

#[test]
fn eight_concurrent_100_mb_posts_without_a_proof_do_not_grow_the_server() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("!!! no /proc: memory test SKIPPED !!!");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_liem"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "warn")
        .env("LIEM_MAX_UPLOAD_MB", "20")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("liem serve runs");
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let pid = server.0.id();
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server says where it listens")
            .unwrap();
        if let Some(a) = line.strip_prefix("serving on http://") {
            break a.trim().to_owned();
        }
    };
    // Warm up (pages, templates, the pool), then take the baseline.
    for _ in 0..3 {
        post(&addr, 1);
    }
    std::thread::sleep(Duration::from_millis(300));
    // Reset the peak to now (Linux: writing 5 to clear_refs).
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    let before = status_kib(pid, "VmRSS:");
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let a = addr.clone();
            std::thread::spawn(move || post(&a, 100))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let peak = status_kib(pid, "VmHWM:");
    let grown_mb = peak.saturating_sub(before) / 1024;
    eprintln!(
        "resident before {} MiB, peak during the flood {} MiB",
        before / 1024,
        peak / 1024
    );
    assert!(grown_mb < 50, "the server grew by {grown_mb} MiB");
    // And it still serves.
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
