//! Lookup tables derived once per event from its field table: which normalized paths are
//! documented, which are the objects that hold documented fields, and which documented objects
//! are free-form.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use crate::catalog::{EventId, EventSpec, FieldSpec, FieldType};

/// The derived lookup tables of one event's fields.
#[derive(Debug, Default)]
pub struct Schema {
    /// Documented fields by normalized path.
    pub documented: HashMap<&'static str, &'static FieldSpec>,
    /// For each normalized path of an object that holds documented fields (`""` for the
    /// payload itself), the keys it should contain, in document order.
    pub children: HashMap<String, Vec<String>>,
    /// Documented OBJECT / OBJECT-ARRAY fields with no documented descendants: whatever they
    /// hold is free-form and not reported as unknown.
    pub free_form: HashSet<&'static str>,
    /// Every normalized path above as a node of a tree the checker walks key by key; node 0
    /// is the payload itself (`""`).
    pub nodes: Vec<SchemaNode>,
    /// Node of each normalized path.
    pub by_path: HashMap<String, u32>,
}

/// A normalized path of the schema: documented, or an object that holds documented fields.
#[derive(Debug, Default)]
pub struct SchemaNode {
    /// The normalized path (`questionWithAnswers[].answer`).
    pub normalized: String,
    /// The documented field at this path.
    pub doc: Option<&'static FieldSpec>,
    /// True when this path is an object that holds documented fields.
    pub container: bool,
    /// True when the field is documented and free-form (nothing below it is checked).
    pub free_form: bool,
    /// The node of the array items (`path[]`), when they hold documented fields.
    pub items: Option<u32>,
    /// The nodes one key below, by key.
    pub children: Vec<(String, u32)>,
    /// The keys this object should contain (as [`Schema::children`] lists them).
    pub expected: Vec<String>,
}

impl Schema {
    /// The cached schema of an event.
    pub fn of(event: EventId) -> &'static Schema {
        Schema::of_spec(event.spec())
    }

    /// The cached schema of an event's spec, the catalog's or any other: built once per field
    /// table, so events with the same fields share one.
    pub fn of_spec(spec: &'static EventSpec) -> &'static Schema {
        type Cache = Mutex<Vec<(&'static [FieldSpec], &'static Schema)>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((_, schema)) = cache
            .iter()
            .find(|(fields, _)| std::ptr::eq(*fields, spec.fields) || *fields == spec.fields)
        {
            return schema;
        }
        // One schema per distinct field table of a static spec: a bounded, deliberate leak.
        let schema: &'static Schema = Box::leak(Box::new(Schema::build(spec.fields)));
        cache.push((spec.fields, schema));
        schema
    }

    fn build(fields: &'static [FieldSpec]) -> Schema {
        let mut schema = Schema::default();
        for field in fields {
            schema.documented.insert(field.path, field);
            // Walk the path's segments, recording each object's expected child keys.
            let mut parent = String::new();
            for segment in field.path.split('.') {
                let (key, is_array) = match segment.strip_suffix("[]") {
                    Some(key) => (key, true),
                    None => (segment, false),
                };
                let keys = schema.children.entry(parent.clone()).or_default();
                if !keys.iter().any(|k| k == key) {
                    keys.push(key.to_owned());
                }
                if !parent.is_empty() {
                    parent.push('.');
                }
                parent.push_str(key);
                if is_array {
                    parent.push_str("[]");
                }
            }
        }
        for field in fields {
            let container = matches!(field.ty, FieldType::Object | FieldType::ObjectArray);
            let has_descendants = fields.iter().any(|other| {
                other.path.len() > field.path.len()
                    && other.path.starts_with(field.path)
                    && matches!(other.path.as_bytes()[field.path.len()], b'.' | b'[')
            });
            if container && !has_descendants {
                schema.free_form.insert(field.path);
            }
        }
        schema.build_nodes();
        schema
    }

    fn build_nodes(&mut self) {
        let mut paths: Vec<String> = vec![String::new()];
        let documented = self.documented.keys().map(|p| (*p).to_owned());
        for path in documented.chain(self.children.keys().cloned()) {
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
        // Parents before children, so each node finds its parent.
        paths.sort_by_key(|p| (p.len(), p.clone()));
        for path in paths {
            let id = self.nodes.len() as u32;
            let doc = self.documented.get(path.as_str()).copied();
            self.nodes.push(SchemaNode {
                container: self.children.contains_key(&path),
                free_form: doc.is_some_and(|d| self.free_form.contains(d.path)),
                doc,
                normalized: path.clone(),
                items: None,
                children: Vec::new(),
                expected: self.children.get(&path).cloned().unwrap_or_default(),
            });
            self.by_path.insert(path.clone(), id);
            if path.is_empty() {
                continue;
            }
            if let Some(array) = path.strip_suffix("[]") {
                if let Some(&parent) = self.by_path.get(array) {
                    self.nodes[parent as usize].items = Some(id);
                }
                continue;
            }
            let (parent, key) = match path.rsplit_once('.') {
                Some((parent, key)) => (parent, key),
                None => ("", path.as_str()),
            };
            if let Some(&parent) = self.by_path.get(parent) {
                self.nodes[parent as usize]
                    .children
                    .push((key.to_owned(), id));
            }
        }
    }

    /// The node at `normalized`, if any.
    pub fn node(&self, normalized: &str) -> Option<u32> {
        self.by_path.get(normalized).copied()
    }

    /// The node one key below `parent` (whose shown path is empty when `at_top`), as the
    /// normalized path `parent.key` would find it.
    pub fn child(&self, parent: u32, key: &str, at_top: bool) -> Option<u32> {
        let node = self.nodes.get(parent as usize)?;
        let plain = !key.is_empty() && !key.contains(['.', '[', ']']);
        if plain && !at_top {
            return node
                .children
                .iter()
                .find(|(k, _)| k == key)
                .map(|&(_, id)| id);
        }
        if at_top {
            return self.node(key);
        }
        self.node(&format!("{}.{key}", node.normalized))
    }

    /// The documented fields at or below `normalized` (for "missing" findings).
    pub fn fields_under<'a>(
        &'a self,
        fields: &'static [FieldSpec],
        normalized: &'a str,
    ) -> impl Iterator<Item = &'static FieldSpec> + 'a {
        fields.iter().filter(move |f| {
            f.path == normalized
                || (f.path.len() > normalized.len()
                    && f.path.starts_with(normalized)
                    && matches!(f.path.as_bytes()[normalized.len()], b'.' | b'['))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_and_free_form_objects_come_from_the_paths() {
        let messaging = Schema::of(EventId::MessagingSurveyEnded);
        let root = &messaging.children[""];
        assert!(root.contains(&"lastContentEventNotification".to_owned()));
        assert!(root.contains(&"ttr".to_owned()));
        assert_eq!(
            messaging.children["lastContentEventNotification.event"],
            vec!["contentType", "message", "type"]
        );
        assert!(messaging.free_form.contains("context.clientProperties"));
        assert!(messaging.free_form.contains("dialogs"));
        let transcript = Schema::of(EventId::ChatPostSurveyEmailTranscript);
        assert_eq!(
            transcript.children["questionWithAnswers[]"],
            vec!["question", "answer"]
        );
        // questionWithAnswers has documented item fields, so its items are checked.
        assert!(!transcript.free_form.contains("questionWithAnswers"));
        // Each field table has its own schema; events sharing one share it.
        assert!(std::ptr::eq(
            messaging,
            Schema::of(EventId::MessagingSurveyStarted)
        ));
        assert!(!std::ptr::eq(messaging, transcript));
        assert!(transcript.documented.contains_key("csatRank"));
        assert!(!messaging.documented.contains_key("csatRank"));
    }
}
