//! An editor for a map of named entries (a function's headers, environment variables and
//! secrets): one row per entry with its name, what the caller draws beside and below it, and a
//! remove button; then an add button that picks a name not yet taken. A rename that would take
//! another entry's name is not applied, so no entry is ever lost to a typo.

use std::collections::BTreeMap;

/// What the rows are called.
pub struct NamedMap<'a> {
    /// The label the name fields are read by (the grid's row label).
    pub label: egui::Id,
    /// The remove button's hover text, e.g. "Remove this header".
    pub remove_hint: &'a str,
    /// The add button's text, e.g. "Add header".
    pub add: &'a str,
    /// The add button's hover text.
    pub add_hint: Option<&'a str>,
    /// The name a new entry gets: this, or this followed by 2, 3… when taken.
    pub new_name: &'a str,
    /// The width of the name fields.
    pub name_width: f32,
}

/// Which part of an entry the caller is asked to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// In the entry's row, after its name; `name_field` is the name edit's id, for `labelled_by`.
    Beside { name_field: egui::Id },
    /// Under the entry's row (its error, or controls that need more room).
    Below,
}

/// Draws the entries of `map`, calling `entry` for each one's parts, and applies renames,
/// removals and additions.
pub fn named_map_ui<V: Default>(
    ui: &mut egui::Ui,
    map: &mut BTreeMap<String, V>,
    spec: &NamedMap<'_>,
    mut entry: impl FnMut(&mut egui::Ui, Part, &str, &mut V),
) {
    ui.vertical(|ui| {
        let mut rename: Option<(String, String)> = None;
        let mut remove: Option<String> = None;
        for (name, value) in map.iter_mut() {
            ui.horizontal(|ui| {
                let mut edited = name.clone();
                let name_edit = ui
                    .add(egui::TextEdit::singleline(&mut edited).desired_width(spec.name_width))
                    .labelled_by(spec.label);
                if name_edit.changed() {
                    rename = Some((name.clone(), edited));
                }
                entry(
                    ui,
                    Part::Beside {
                        name_field: name_edit.id,
                    },
                    name,
                    value,
                );
                if ui
                    .small_button("x")
                    .on_hover_text(spec.remove_hint)
                    .clicked()
                {
                    remove = Some(name.clone());
                }
            });
            entry(ui, Part::Below, name, value);
        }
        if let Some((old, new)) = rename
            && !map.contains_key(&new)
            && let Some(value) = map.remove(&old)
        {
            map.insert(new, value);
        }
        if let Some(name) = remove {
            map.remove(&name);
        }
        let add = ui.small_button(spec.add);
        let add = match spec.add_hint {
            Some(hint) => add.on_hover_text(hint),
            None => add,
        };
        if add.clicked() {
            let name = free_name(|n| map.contains_key(n), spec.new_name);
            map.insert(name, V::default());
        }
    });
}

/// `base`, or `base2`, `base3`… the first one not taken.
fn free_name(taken: impl Fn(&str) -> bool, base: &str) -> String {
    let mut name = base.to_owned();
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_name_is_never_one_already_taken() {
        let taken = ["X-Header", "X-Header2"];
        assert_eq!(free_name(|n| taken.contains(&n), "X-Header"), "X-Header3");
        assert_eq!(free_name(|_| false, "secret"), "secret");
    }
}
