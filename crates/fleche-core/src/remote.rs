//! fleche's remote protocol (`fleche/remote.py`), spoken natively: the
//! command fleche starts (`ssh … python -m fleche remote --serve`), frames
//! of a 4-byte big-endian length and a pickle, requests
//! `(method, args, kwargs)` written by our pickle writer, answers
//! `("ok", result)` or `("err", exception)` read by our inert reader. A
//! remote machine is not trusted: nothing it sends is imported or run, and
//! a frame's buffer grows only as its bytes arrive.

use crate::config::SshSpec;
use crate::store::remote::{Connected, Link, Probe, RemoteStore};
use crate::store::CallRecord;
use crate::value::{Object, Value};
use std::collections::VecDeque;
use std::io::{BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

pub use crate::store::remote::{Reached, RemoteError, MAX_FRAME};

/// The fleche whose format and protocol this tool speaks: a server running
/// another version is warned about, where fleche's `SshCache` warns of
/// skew between its own version and the server's.
pub const FLECHE_VERSION: &str = "0.22.2";

/// How many of the server's last stderr lines an error quotes.
const STDERR_LINES: usize = 20;

/// Python's `shlex.quote`.
pub fn shlex_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".into();
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c);
    if s.chars().all(safe) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

impl SshSpec {
    /// The command fleche's `_SshConnection._build_command` starts.
    pub fn command(&self) -> Vec<String> {
        let mut cmd = vec!["ssh".to_string()];
        cmd.extend(self.ssh_options.iter().cloned());
        cmd.push(self.host.clone());
        let mut server: Vec<String> = [self.python.as_str(), "-m", "fleche", "remote", "--serve"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if let Some(name) = &self.cache_name {
            server.extend(["--cache".to_string(), name.clone()]);
        }
        let mut prefix: Vec<String> = Vec::new();
        if let Some(dir) = &self.workdir {
            prefix.push(format!("cd {}", shlex_quote(dir)));
        }
        prefix.extend(self.setup_commands.iter().cloned());
        if prefix.is_empty() {
            cmd.extend(server);
        } else {
            let server: Vec<String> = server.iter().map(|a| shlex_quote(a)).collect();
            prefix.push(format!("exec {}", server.join(" ")));
            cmd.push(prefix.join(" && "));
        }
        cmd
    }
}

/// What the server says of itself (`info`).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerInfo {
    pub fleche_version: Option<String>,
    pub read_only: bool,
    pub cache_name: Option<String>,
    pub hostname: Option<String>,
    pub cwd: Option<String>,
}

/// One running server, reached through its stdin and stdout.
pub struct Connection {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    /// Set when the server's stderr closed: every last word is in.
    stderr_closed: Arc<std::sync::atomic::AtomicBool>,
    /// Once the server is gone, why (error, status, last words): every
    /// later request fails the same way at once (fleche's client does not
    /// reconnect by itself either).
    gone: Option<(String, Option<String>, Option<String>)>,
}

impl Connection {
    /// Start `argv` (in `cwd` if given), its stderr kept for errors.
    pub fn spawn(
        argv: &[String],
        cwd: Option<&std::path::Path>,
    ) -> Result<Connection, RemoteError> {
        let command = argv.join(" ");
        let (program, args) = argv.split_first().ok_or_else(|| RemoteError::Spawn {
            command: command.clone(),
            error: std::io::Error::other("an empty command"),
        })?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|error| RemoteError::Spawn {
            command: command.clone(),
            error,
        })?;
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let stderr_closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if let Some(err) = child.stderr.take() {
            let lines = Arc::clone(&stderr);
            let closed = Arc::clone(&stderr_closed);
            std::thread::spawn(move || {
                use std::io::BufRead;
                for line in std::io::BufReader::new(err).lines().map_while(Result::ok) {
                    let mut l = lines.lock().unwrap_or_else(|p| p.into_inner());
                    if l.len() == STDERR_LINES {
                        l.pop_front();
                    }
                    l.push_back(line);
                }
                closed.store(true, std::sync::atomic::Ordering::SeqCst);
            });
        }
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().ok_or_else(|| RemoteError::Spawn {
            command: command.clone(),
            error: std::io::Error::other("no stdout"),
        })?);
        Ok(Connection {
            child,
            stdin,
            stdout,
            stderr,
            stderr_closed,
            gone: None,
        })
    }

    /// Why the server stopped: its exit status and last stderr line.
    fn lost(&mut self, method: &str, error: &std::io::Error) -> RemoteError {
        let error = match error.kind() {
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::BrokenPipe => {
                "the connection closed".to_string()
            }
            _ => error.to_string(),
        };
        // Give the stderr reader a moment to take the last words.
        let mut status = None;
        for _ in 0..20 {
            if let Ok(Some(s)) = self.child.try_wait() {
                status = Some(s);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // Its stderr closes soon after it ends (later under load).
        for _ in 0..50 {
            if self.stderr_closed.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let last = self
            .stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .cloned();
        let gone = (
            error,
            status.map(|s| s.to_string()),
            last.map(|l| l.trim().to_string()),
        );
        self.gone = Some(gone.clone());
        let (error, status, said) = gone;
        RemoteError::Lost {
            method: method.to_string(),
            error,
            status,
            said,
        }
    }

    /// One request and its answer.
    pub fn call(&mut self, method: &str, args: Vec<Value>) -> Result<Value, RemoteError> {
        self.send(method, args)?;
        self.receive(method)
    }

    /// Many requests of one method, written before any answer is read
    /// (the server answers them in order): one round trip per chunk
    /// instead of one per request. A chunk's requests are small enough to
    /// sit in the pipe while the server is busy, so writing never waits
    /// on our own reading. Each answer is its own result; a lost
    /// connection fails the whole.
    pub fn call_many(
        &mut self,
        method: &str,
        argss: Vec<Vec<Value>>,
    ) -> Result<Vec<Result<Value, RemoteError>>, RemoteError> {
        const CHUNK: usize = 64;
        let mut out = Vec::with_capacity(argss.len());
        let mut argss = argss.into_iter().peekable();
        while argss.peek().is_some() {
            let mut sent = 0;
            for args in argss.by_ref().take(CHUNK) {
                self.send(method, args)?;
                sent += 1;
            }
            for _ in 0..sent {
                match self.receive(method) {
                    Err(e @ (RemoteError::Remote { .. } | RemoteError::Unexpected { .. })) => {
                        out.push(Err(e))
                    }
                    Err(e) => return Err(e),
                    Ok(v) => out.push(Ok(v)),
                }
            }
        }
        Ok(out)
    }

    /// A server already lost fails every later request at once, with
    /// what it said when it went.
    fn still_here(&self, method: &str) -> Result<(), RemoteError> {
        match self.gone.clone() {
            Some((error, status, said)) => Err(RemoteError::Lost {
                method: method.to_string(),
                error,
                status,
                said,
            }),
            None => Ok(()),
        }
    }

    fn send(&mut self, method: &str, args: Vec<Value>) -> Result<(), RemoteError> {
        self.still_here(method)?;
        let request = Value::Tuple(vec![
            Value::Str(method.to_string()),
            Value::Tuple(args),
            Value::Dict(Vec::new()),
        ]);
        let bytes = crate::pickle_write::dumps(&request).map_err(|error| RemoteError::Request {
            method: method.to_string(),
            error,
        })?;
        let sent = match self.stdin.as_mut() {
            Some(stdin) => stdin
                .write_all(&(bytes.len() as u32).to_be_bytes())
                .and_then(|()| stdin.write_all(&bytes))
                .and_then(|()| stdin.flush()),
            None => Err(std::io::Error::other("the connection is closed")),
        };
        if let Err(e) = sent {
            return Err(self.lost(method, &e));
        }
        Ok(())
    }

    fn receive(&mut self, method: &str) -> Result<Value, RemoteError> {
        self.still_here(method)?;
        let mut header = [0u8; 4];
        if let Err(e) = self.stdout.read_exact(&mut header) {
            return Err(self.lost(method, &e));
        }
        let size = u64::from(u32::from_be_bytes(header));
        if size > MAX_FRAME {
            return Err(RemoteError::TooLarge {
                method: method.to_string(),
                size,
            });
        }
        // Grows as the bytes come, never to a size merely announced.
        let mut frame = Vec::new();
        match (&mut self.stdout).take(size).read_to_end(&mut frame) {
            Ok(n) if n as u64 == size => {}
            Ok(_) => {
                let e = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
                return Err(self.lost(method, &e));
            }
            Err(e) => return Err(self.lost(method, &e)),
        }
        let answer = crate::pickle::load(&frame).map_err(|error| RemoteError::Decode {
            method: method.to_string(),
            error,
        })?;
        match answer {
            Value::Tuple(mut pair) if pair.len() == 2 => {
                let payload = pair.pop().unwrap_or(Value::None);
                match &pair[0] {
                    Value::Str(tag) if tag == "ok" => Ok(payload),
                    Value::Str(tag) if tag == "err" => Err(RemoteError::Remote {
                        method: method.to_string(),
                        exception: exception_text(&payload),
                    }),
                    other => Err(RemoteError::Unexpected {
                        method: method.to_string(),
                        what: format!("the tag {}", crate::repr::repr(other)),
                    }),
                }
            }
            other => Err(RemoteError::Unexpected {
                method: method.to_string(),
                what: other.python_type(),
            }),
        }
    }

    /// The handshake: what the server is (fleche checks its version).
    pub fn info(&mut self) -> Result<ServerInfo, RemoteError> {
        let v = self.call("info", Vec::new())?;
        let Value::Dict(items) = &v else {
            return Err(RemoteError::Unexpected {
                method: "info".into(),
                what: v.python_type(),
            });
        };
        let get = |k: &str| {
            items
                .iter()
                .find(|(key, _)| matches!(key, Value::Str(s) if s == k))
                .map(|(_, v)| v)
        };
        let text = |k: &str| match get(k) {
            Some(Value::Str(s)) => Some(s.clone()),
            _ => None,
        };
        Ok(ServerInfo {
            fleche_version: text("fleche_version"),
            read_only: matches!(get("read_only"), Some(Value::Bool(true))),
            cache_name: text("cache_name"),
            hostname: text("hostname"),
            cwd: text("cwd"),
        })
    }

    /// Every call record the remote cache holds (`query` with fleche's
    /// empty `QueryCall`), each under the key fleche computes for it.
    pub fn query_all(&mut self) -> Result<Vec<CallRecord>, RemoteError> {
        let template = Value::Object(Object {
            class: "fleche.call.QueryCall".into(),
            args: Vec::new(),
            state: Some(Box::new(Value::Dict(
                crate::digest::CALL_FIELDS
                    .iter()
                    .map(|f| (Value::str(*f), Value::None))
                    .collect(),
            ))),
            list_items: Vec::new(),
            dict_items: Vec::new(),
        });
        let answer = self.call("query", vec![template])?;
        let unexpected = |what: String| RemoteError::Unexpected {
            method: "query".into(),
            what,
        };
        let items = match answer {
            Value::Tuple(items) | Value::List(items) => items,
            other => return Err(unexpected(other.python_type())),
        };
        items
            .iter()
            .map(|v| {
                let rec = crate::store::callfiles::record_from_value("", v)
                    .map_err(|e| unexpected(format!("a record that does not read: {e}")))?;
                let key = crate::digest::call_key(&crate::verify::key_input(&rec))
                    .map_err(|e| unexpected(format!("a record without a key: {e}")))?;
                Ok(CallRecord { key, ..rec })
            })
            .collect()
    }

    /// A value as the remote cache loads it (destructured values mended).
    pub fn load_value(&mut self, key: &str) -> Result<Value, RemoteError> {
        self.call("load_value", vec![Value::Str(key.to_string())])
    }

    pub fn contains(&mut self, key: &str) -> Result<bool, RemoteError> {
        match self.call("contains", vec![Value::Str(key.to_string())])? {
            Value::Bool(b) => Ok(b),
            other => Err(RemoteError::Unexpected {
                method: "contains".into(),
                what: other.python_type(),
            }),
        }
    }

    /// Remove a call's record from the remote cache (fleche's `evict`,
    /// which answers nothing; its values stay).
    pub fn evict(&mut self, key: &str) -> Result<(), RemoteError> {
        self.call("evict", vec![Value::Str(key.to_string())])
            .map(drop)
    }

    /// The full key of a prefix, as the remote cache expands it.
    pub fn expand(&mut self, prefix: &str) -> Result<String, RemoteError> {
        let v = self.call("expand", vec![Value::Str(prefix.to_string())])?;
        digest_text(&v).ok_or_else(|| RemoteError::Unexpected {
            method: "expand".into(),
            what: v.python_type(),
        })
    }

    /// What the remote cache's `expand` says of each prefix, the requests
    /// sent together ([`Self::call_many`]).
    pub fn expand_many(&mut self, prefixes: &[String]) -> Result<Vec<Probe>, RemoteError> {
        let answers = self.call_many(
            "expand",
            prefixes
                .iter()
                .map(|p| vec![Value::Str(p.clone())])
                .collect(),
        )?;
        answers
            .into_iter()
            .map(|a| match a {
                Ok(v) => digest_text(&v)
                    .map(Probe::One)
                    .ok_or_else(|| RemoteError::Unexpected {
                        method: "expand".into(),
                        what: v.python_type(),
                    }),
                Err(RemoteError::Remote { exception, .. }) if exception.starts_with("KeyError") => {
                    Ok(Probe::None)
                }
                // fleche lists the two smallest candidates of the store
                // that found more than one.
                Err(RemoteError::Remote { exception, .. })
                    if exception.starts_with("AmbiguousDigestError") =>
                {
                    Ok(Probe::Many(digests_in(&exception)))
                }
                Err(e) => Err(e),
            })
            .collect()
    }

    /// The short forms of keys, as the remote cache shrinks them (one key
    /// comes back alone, several as a tuple).
    pub fn shrink(&mut self, keys: &[String]) -> Result<Vec<String>, RemoteError> {
        let v = self.call(
            "shrink",
            keys.iter().map(|k| Value::Str(k.clone())).collect(),
        )?;
        let unexpected = |v: &Value| RemoteError::Unexpected {
            method: "shrink".into(),
            what: v.python_type(),
        };
        match &v {
            Value::Tuple(items) | Value::List(items) => items
                .iter()
                .map(|i| digest_text(i).ok_or_else(|| unexpected(i)))
                .collect(),
            one => Ok(vec![digest_text(one).ok_or_else(|| unexpected(one))?]),
        }
    }
}

/// Start the server of an `ssh` layer as fleche starts it, shake hands and
/// read every record it holds (one connection, kept for the values).
pub fn connect(spec: &SshSpec) -> Result<Connected, RemoteError> {
    let mut conn = Connection::spawn(&spec.command(), None)?;
    let info = conn.info()?;
    let records = conn.query_all()?;
    Ok(Connected {
        link: Box::new(SshLink(Mutex::new(conn))),
        records,
        read_only: info.read_only,
        skew: skew(&info),
    })
}

/// The server's fleche version when fleche's `SshCache` would warn of
/// skew with it: it names one, and not the one this tool reads.
fn skew(info: &ServerInfo) -> Option<String> {
    info.fleche_version
        .clone()
        .filter(|v| !v.is_empty() && *v != FLECHE_VERSION)
}

/// An `ssh` layer's store, its server started when first asked.
pub fn lazy(spec: &SshSpec) -> RemoteStore {
    let spec = spec.clone();
    RemoteStore::lazy(spec.host.clone(), Box::new(move || connect(&spec)))
}

/// One connection shared by the threads that load values (requests on it
/// go one at a time, as fleche's client sends them).
struct SshLink(Mutex<Connection>);

impl SshLink {
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Link for SshLink {
    fn load_value(&self, key: &str) -> Result<Value, RemoteError> {
        self.conn().load_value(key)
    }

    fn evict(&self, key: &str) -> Result<(), RemoteError> {
        self.conn().evict(key)
    }

    fn expand_many(&self, prefixes: &[String]) -> Result<Vec<Probe>, RemoteError> {
        self.conn().expand_many(prefixes)
    }
}

impl Drop for Connection {
    /// Close the server's stdin (it ends at EOF, as fleche's client closes
    /// it), then wait a little, then kill: nothing is left running.
    fn drop(&mut self) {
        drop(self.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `Digest` or plain str as text.
fn digest_text(v: &Value) -> Option<String> {
    match v {
        Value::Digest(s) | Value::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// Every full digest (64 hex digits standing alone) in a text.
fn digests_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if run == crate::prefix::FULL_LEN {
            out.push(text[i..i + run].to_ascii_lowercase());
        }
        i += run.max(1);
    }
    out
}

/// An exception the server sent, as Python's `Type: message` line.
fn exception_text(v: &Value) -> String {
    match v {
        Value::Object(o) => {
            let name = o.class.rsplit('.').next().unwrap_or(&o.class).to_string();
            // str(exception): a lone str argument as it is (KeyError
            // shows its key's repr), more arguments as their tuple.
            if let ([Value::Str(text)], false) = (o.args.as_slice(), name == "KeyError") {
                return format!("{name}: {text}");
            }
            let args: Vec<String> = o.args.iter().map(crate::repr::repr).collect();
            match args.as_slice() {
                [] => name,
                [one] => format!("{name}: {one}"),
                many => format!("{name}: ({})", many.join(", ")),
            }
        }
        other => crate::repr::repr(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_pythons() {
        assert_eq!(shlex_quote(""), "''");
        assert_eq!(shlex_quote("python3"), "python3");
        assert_eq!(shlex_quote("~/a b"), "'~/a b'");
        assert_eq!(shlex_quote("it's"), "'it'\"'\"'s'");
    }

    #[test]
    fn an_ambiguity_names_its_candidates() {
        let (a, b) = ("ab".repeat(32), "cd".repeat(32));
        let text = format!("AmbiguousDigestError: Short digest abcd is ambiguous; expands to: ['{a}', '{b}']; need at least 5 characters.");
        assert_eq!(digests_in(&text), vec![a.clone(), b]);
        assert_eq!(digests_in(&format!("{a}0")), Vec::<String>::new());
    }
}
