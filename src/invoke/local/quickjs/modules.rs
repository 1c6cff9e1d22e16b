//! V2's `import` in the embedded engine: every import names a module the platform layer loads
//! (a platform module, the toolbelt, a built-in); the module QuickJS links against is a small
//! generated one that re-exports what the platform layer's loader returns, `default` being the
//! CommonJS `module.exports` (as Node's ESM does for CommonJS packages).

use std::sync::OnceLock;

use rquickjs::loader::ImportAttributes;
use rquickjs::loader::bundle::Bundle;
use rquickjs::module::{Declared, WriteOptions};
use rquickjs::{Context, Ctx, Function, Module, Object, Runtime};

/// The name the platform layer's module is loaded under.
pub(crate) const HARNESS_MODULE: &str = "platform.js";

/// Compiled modules by name, as the loader's bundles keep them.
type BundleData = &'static [(&'static str, &'static [u8])];

/// The compiled platform layer, in the loader's bundle form.
pub(crate) type HarnessBundle = Bundle<BundleData>;

/// The platform layer compiled to QuickJS bytecode, once per process (parsing its source takes
/// most of a cold run); `None` if it could not be compiled, and the source is parsed instead.
pub(crate) fn harness_bundle() -> Option<HarnessBundle> {
    static BUNDLE: OnceLock<Option<BundleData>> = OnceLock::new();
    let data = BUNDLE.get_or_init(|| {
        let runtime = Runtime::new().ok()?;
        let context = Context::full(&runtime).ok()?;
        let bytes = context.with(|ctx| {
            let source = format!("export default {};\n", super::super::harness::HARNESS);
            let module = Module::declare(ctx.clone(), HARNESS_MODULE, source).ok()?;
            module.write(WriteOptions::default()).ok()
        })?;
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        let entries: BundleData = Box::leak(vec![(HARNESS_MODULE, bytes)].into_boxed_slice());
        Some(entries)
    });
    data.map(Bundle)
}

/// Bare names stay as they are; relative imports have no files to load.
pub(crate) struct Resolver;

impl rquickjs::loader::Resolver for Resolver {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        if name.starts_with('.') || name.starts_with('/') {
            return Err(rquickjs::Error::new_resolving_message(
                base,
                name,
                format!("Cannot find module '{name}': a function is one file"),
            ));
        }
        Ok(name.to_owned())
    }
}

/// Declares the re-exporting module of an import.
pub(crate) struct Loader;

impl rquickjs::loader::Loader for Loader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        let names = export_names(ctx, name);
        Module::declare(ctx.clone(), name, reexport_source(name, &names))
    }
}

/// Stand-in modules for parsing only (the save-time syntax check): nothing is loaded.
pub(crate) struct ParseOnly;

impl rquickjs::loader::Loader for ParseOnly {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        Module::declare(ctx.clone(), name, "export default null;")
    }
}

/// The module's named exports as the platform layer's loader sees them; none when loading
/// fails (the generated module then throws the loader's error when it runs).
fn export_names(ctx: &Ctx<'_>, name: &str) -> Vec<String> {
    let read = || -> rquickjs::Result<String> {
        let platform: Object = ctx.globals().get("__lpPlatform")?;
        let names: Function = platform.get("importNames")?;
        names.call((name,))
    };
    match read() {
        Ok(json) => serde_json::from_str(&json).unwrap_or_default(),
        Err(_) => {
            let _ = ctx.catch();
            Vec::new()
        }
    }
}

fn reexport_source(name: &str, names: &[String]) -> String {
    let quoted = serde_json::to_string(name).unwrap_or_else(|_| "\"\"".to_owned());
    let mut source =
        format!("const m = globalThis.__lpPlatform.importModule({quoted});\nexport default m;\n");
    let mut list = Vec::new();
    for (i, export) in names.iter().enumerate() {
        let key = serde_json::to_string(export).unwrap_or_default();
        source.push_str(&format!("const e{i} = m[{key}];\n"));
        list.push(format!("e{i} as {export}"));
    }
    if !list.is_empty() {
        source.push_str(&format!("export {{ {} }};\n", list.join(", ")));
    }
    source
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reexport_names_every_export_and_the_default() {
        let source = reexport_source("luxon", &["DateTime".to_owned(), "delete".to_owned()]);
        assert!(source.contains("importModule(\"luxon\")"));
        assert!(source.contains("export default m;"));
        assert!(source.contains("export { e0 as DateTime, e1 as delete };"));
    }
}
