//! The host interface the platform layer needs from the embedded engine: a clock, WHATWG URL
//! parsing, hashes and random bytes (for its `crypto`), the installed module files, compiling a
//! module's source, and HTTP requests that run on their own threads and come back through a
//! channel the run loop waits on.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rquickjs::context::EvalOptions;
use rquickjs::prelude::Opt;
use rquickjs::{Ctx, Exception, Function, Object};

use super::super::http::{self, HostRequest};
use super::guard::Guard;

/// Largest module file read (a bundled module is a few MB at most).
const MAX_MODULE_FILE: u64 = 32 * 1024 * 1024;

/// What the host functions share with the run loop.
pub(crate) struct HostState {
    pub guard: Rc<Guard>,
    /// The installed modules' root (`…/modules`), when set.
    pub modules_dir: Option<PathBuf>,
    next_op: Cell<u64>,
    inflight: RefCell<HashMap<u64, Arc<AtomicBool>>>,
    sender: mpsc::Sender<(u64, String)>,
    /// Answers of finished requests: (op id, answer JSON).
    pub answers: mpsc::Receiver<(u64, String)>,
}

impl HostState {
    pub(crate) fn new(guard: Rc<Guard>, modules_dir: Option<PathBuf>) -> Self {
        let (sender, answers) = mpsc::channel();
        Self {
            guard,
            modules_dir,
            next_op: Cell::new(1),
            inflight: RefCell::new(HashMap::new()),
            sender,
            answers,
        }
    }

    /// Requests still running.
    pub(crate) fn inflight(&self) -> usize {
        self.inflight.try_borrow().map_or(0, |m| m.len())
    }

    /// Marks a request answered (its answer was taken from the channel).
    pub(crate) fn answered(&self, id: u64) -> bool {
        self.inflight
            .try_borrow_mut()
            .is_ok_and(|mut m| m.remove(&id).is_some())
    }

    /// Stops every request still running (the run ended).
    pub(crate) fn cancel_all(&self) {
        if let Ok(mut map) = self.inflight.try_borrow_mut() {
            for (_, flag) in map.drain() {
                flag.store(true, Ordering::Relaxed);
            }
        }
        while self.answers.try_recv().is_ok() {}
    }

    fn start(&self, request: HostRequest) -> u64 {
        let id = self.next_op.get();
        self.next_op.set(id + 1);
        let cancel = Arc::new(AtomicBool::new(false));
        if let Ok(mut map) = self.inflight.try_borrow_mut() {
            map.insert(id, Arc::clone(&cancel));
        }
        let sender = self.sender.clone();
        let timeout = self.guard.left().max(Duration::from_millis(1));
        let spawned = std::thread::Builder::new()
            .name("local-fetch".to_owned())
            .spawn(move || {
                let answer = http::fetch(&request, timeout, &cancel);
                if !cancel.load(Ordering::Relaxed) {
                    let _ = sender.send((id, answer));
                }
            });
        if spawned.is_err() {
            let _ = self.sender.send((
                id,
                r#"{"error":"cannot start a thread for the request"}"#.to_owned(),
            ));
        }
        id
    }

    fn cancel(&self, id: u64) {
        if let Ok(mut map) = self.inflight.try_borrow_mut()
            && let Some(flag) = map.remove(&id)
        {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// A path inside the modules root, or none (the platform layer reads nothing else).
    fn module_path(&self, path: &str) -> Option<PathBuf> {
        let root = self.modules_dir.as_ref()?;
        let path = Path::new(path);
        let inside = path.starts_with(root)
            && !path
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir));
        inside.then(|| path.to_path_buf())
    }
}

/// The host object the harness is called with.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, state: &Rc<HostState>) -> rquickjs::Result<Object<'js>> {
    let host = Object::new(ctx.clone())?;
    host.set("engine", "quickjs")?;
    let s = Rc::clone(state);
    host.set("now", Function::new(ctx.clone(), move || s.guard.now_ms())?)?;
    host.set(
        "urlParse",
        Function::new(ctx.clone(), |input: String, base: Opt<String>| {
            url_parse(&input, base.0.as_deref())
        })?,
    )?;
    host.set(
        "urlSet",
        Function::new(ctx.clone(), |href: String, part: String, value: String| {
            url_set(&href, &part, &value)
        })?,
    )?;
    host.set(
        "digest",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, alg: String, data: String| {
            let bytes = decode(&ctx, &data)?;
            let algorithm = match alg.as_str() {
                "sha1" => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                "sha256" => &ring::digest::SHA256,
                "sha384" => &ring::digest::SHA384,
                "sha512" => &ring::digest::SHA512,
                _ => return Err(Exception::throw_message(&ctx, "unknown digest")),
            };
            Ok::<_, rquickjs::Error>(BASE64.encode(ring::digest::digest(algorithm, &bytes)))
        })?,
    )?;
    host.set(
        "hmac",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, alg: String, key: String, data: String| {
                let key = decode(&ctx, &key)?;
                let data = decode(&ctx, &data)?;
                let algorithm = match alg.as_str() {
                    "sha1" => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
                    "sha256" => ring::hmac::HMAC_SHA256,
                    "sha384" => ring::hmac::HMAC_SHA384,
                    "sha512" => ring::hmac::HMAC_SHA512,
                    _ => return Err(Exception::throw_message(&ctx, "unknown digest")),
                };
                let key = ring::hmac::Key::new(algorithm, &key);
                Ok::<_, rquickjs::Error>(BASE64.encode(ring::hmac::sign(&key, &data)))
            },
        )?,
    )?;
    host.set(
        "randomBytes",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, n: usize| {
            use ring::rand::SecureRandom as _;
            if n > 64 * 1024 * 1024 {
                return Err(Exception::throw_range(&ctx, "too many random bytes"));
            }
            let mut bytes = vec![0u8; n];
            ring::rand::SystemRandom::new()
                .fill(&mut bytes)
                .map_err(|_| Exception::throw_internal(&ctx, "no random bytes available"))?;
            Ok::<_, rquickjs::Error>(BASE64.encode(bytes))
        })?,
    )?;
    let s = Rc::clone(state);
    host.set(
        "modulesRoot",
        Function::new(ctx.clone(), move |runtime: String| {
            let root = s.modules_dir.as_ref()?;
            let dir = super::super::modules::node_modules_dir(root, &runtime);
            Some(dir.display().to_string())
        })?,
    )?;
    let s = Rc::clone(state);
    host.set(
        "stat",
        Function::new(ctx.clone(), move |path: String| {
            let path = s.module_path(&path)?;
            let meta = std::fs::metadata(path).ok()?;
            Some(if meta.is_dir() { "dir" } else { "file" })
        })?,
    )?;
    let s = Rc::clone(state);
    host.set(
        "readFile",
        Function::new(ctx.clone(), move |path: String| {
            let path = s.module_path(&path)?;
            // A regular file within the bound only (never a FIFO that would hang the run).
            crate::files::read_text(&path, MAX_MODULE_FILE).ok()
        })?,
    )?;
    host.set(
        "compileModule",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, source: String, filename: String| {
                let mut options = EvalOptions::default();
                options.strict = false;
                options.filename = Some(filename);
                let wrapped = format!(
                    "(function (exports, require, module, __filename, __dirname) {{{source}\n}})"
                );
                ctx.eval_with_options::<Function<'js>, _>(wrapped, options)
            },
        )?,
    )?;
    let s = Rc::clone(state);
    host.set(
        "httpStart",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, request: String| {
            let request: HostRequest = serde_json::from_str(&request)
                .map_err(|e| Exception::throw_type(&ctx, &format!("bad request: {e}")))?;
            Ok::<_, rquickjs::Error>(s.start(request) as f64)
        })?,
    )?;
    let s = Rc::clone(state);
    host.set(
        "httpCancel",
        Function::new(ctx.clone(), move |id: f64| s.cancel(id as u64))?,
    )?;
    Ok(host)
}

fn decode<'js>(ctx: &Ctx<'js>, text: &str) -> rquickjs::Result<Vec<u8>> {
    BASE64
        .decode(text)
        .map_err(|_| Exception::throw_type(ctx, "bad base64 from the platform layer"))
}

/// The parts of a URL as the WHATWG URL object shows them, as JSON.
fn parts(url: &url::Url) -> String {
    let port = url.port().map(|p| p.to_string()).unwrap_or_default();
    let hostname = url.host_str().unwrap_or("").to_owned();
    let host = if port.is_empty() {
        hostname.clone()
    } else {
        format!("{hostname}:{port}")
    };
    let search = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    let hash = url.fragment().map(|f| format!("#{f}")).unwrap_or_default();
    serde_json::json!({
        "href": url.as_str(),
        "origin": url.origin().ascii_serialization(),
        "protocol": format!("{}:", url.scheme()),
        "username": url.username(),
        "password": url.password().unwrap_or(""),
        "host": host,
        "hostname": hostname,
        "port": port,
        "pathname": url.path(),
        "search": if search == "?" { String::new() } else { search },
        "hash": if hash == "#" { String::new() } else { hash },
    })
    .to_string()
}

fn url_parse(input: &str, base: Option<&str>) -> Option<String> {
    let url = match base {
        Some(base) => url::Url::parse(base).ok()?.join(input).ok()?,
        None => url::Url::parse(input).ok()?,
    };
    Some(parts(&url))
}

fn url_set(href: &str, part: &str, value: &str) -> Option<String> {
    let mut url = url::Url::parse(href).ok()?;
    let ok = match part {
        "href" => {
            url = url::Url::parse(value).ok()?;
            true
        }
        "protocol" => url.set_scheme(value.trim_end_matches(':')).is_ok(),
        "username" => url.set_username(value).is_ok(),
        "password" => url
            .set_password(Some(value).filter(|v| !v.is_empty()))
            .is_ok(),
        "host" => {
            let (host, port) = match value.rsplit_once(':') {
                Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, p.parse().ok()),
                _ => (value, None),
            };
            url.set_host(Some(host)).is_ok() && (port.is_none() || url.set_port(port).is_ok())
        }
        "hostname" => url.set_host(Some(value)).is_ok(),
        "port" => url.set_port(value.parse().ok()).is_ok(),
        "pathname" => {
            url.set_path(value);
            true
        }
        "search" => {
            let q = value.strip_prefix('?').unwrap_or(value);
            url.set_query(Some(q).filter(|q| !q.is_empty()));
            true
        }
        "hash" => {
            let f = value.strip_prefix('#').unwrap_or(value);
            url.set_fragment(Some(f).filter(|f| !f.is_empty()));
            true
        }
        _ => false,
    };
    ok.then(|| parts(&url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_the_whatwg_way() {
        let parts: serde_json::Value = serde_json::from_str(
            &url_parse("/a/../b?x=1#h", Some("HTTPS://Example.com:443/p")).unwrap(),
        )
        .unwrap();
        assert_eq!(parts["href"], "https://example.com/b?x=1#h");
        assert_eq!(parts["port"], "");
        assert_eq!(parts["search"], "?x=1");
        assert!(url_parse("not a url", None).is_none());
        let set: serde_json::Value =
            serde_json::from_str(&url_set("http://a.test/x", "port", "8080").unwrap()).unwrap();
        assert_eq!(set["host"], "a.test:8080");
    }
}
