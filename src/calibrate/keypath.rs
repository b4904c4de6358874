//! Key paths into a scenario file (`outcome.progression.median`,
//! `arms[Pd].hazard_ratio.progression`, `covariates[0].p_yes`), read and
//! written in place so the file keeps its comments: a calibrated scenario
//! still says where each number came from.

use toml_edit::{ArrayOfTables, DocumentMut, Table, TableLike, Value};

/// One step of a key path: a key, then optionally an entry of an array of
/// tables, by position or by its `name` (`arms[Pd]`).
#[derive(Debug, Clone, PartialEq)]
struct Step {
    key: String,
    index: Option<String>,
}

/// A parsed key path.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPath {
    text: String,
    steps: Vec<Step>,
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for KeyPath {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let mut steps = Vec::new();
        for part in text.split('.') {
            let (key, index) = match part.split_once('[') {
                None => (part, None),
                Some((k, rest)) => match rest.strip_suffix(']') {
                    Some(i) if !i.is_empty() => (k, Some(i.to_string())),
                    _ => {
                        return Err(format!(
                            "`{text}`: `{part}` has an unclosed or empty [index]"
                        ))
                    }
                },
            };
            if key.is_empty() {
                return Err(format!("`{text}`: empty key"));
            }
            steps.push(Step {
                key: key.to_string(),
                index,
            });
        }
        Ok(KeyPath {
            text: text.to_string(),
            steps,
        })
    }
}

fn entry<'a>(
    aot: &'a mut ArrayOfTables,
    index: &str,
    path: &KeyPath,
) -> Result<&'a mut Table, String> {
    let n = aot.len();
    match index.parse::<usize>() {
        Ok(i) => aot
            .get_mut(i)
            .ok_or_else(|| format!("`{path}`: index {i} is past the end ({n} entries)")),
        Err(_) => aot
            .iter_mut()
            .find(|t| t.get("name").and_then(|v| v.as_str()) == Some(index))
            .ok_or_else(|| format!("`{path}`: no entry with name `{index}`")),
    }
}

/// The value at `path`, for reading and writing.
fn locate<'a>(doc: &'a mut DocumentMut, path: &KeyPath) -> Result<&'a mut Value, String> {
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    let last = path.steps.len() - 1;
    for (k, step) in path.steps.iter().enumerate() {
        let item = table
            .get_mut(&step.key)
            .ok_or_else(|| format!("`{path}`: no key `{}` in the scenario", step.key))?;
        match &step.index {
            Some(index) => {
                let aot = item.as_array_of_tables_mut().ok_or_else(|| {
                    format!(
                        "`{path}`: `{}` is not an array of tables ([[{}]])",
                        step.key, step.key
                    )
                })?;
                let t = entry(aot, index, path)?;
                if k == last {
                    return Err(format!("`{path}`: names a whole table, not a number"));
                }
                table = t;
            }
            None if k == last => {
                return item
                    .as_value_mut()
                    .ok_or_else(|| format!("`{path}`: names a table, not a number"));
            }
            None => {
                table = item
                    .as_table_like_mut()
                    .ok_or_else(|| format!("`{path}`: `{}` is a value, not a table", step.key))?;
            }
        }
    }
    Err(format!("`{path}`: empty key path"))
}

/// The number at `path`.
pub fn get_number(doc: &mut DocumentMut, path: &KeyPath) -> Result<f64, String> {
    let v = locate(doc, path)?;
    v.as_float()
        .or_else(|| v.as_integer().map(|i| i as f64))
        .ok_or_else(|| format!("`{path}`: `{}` is not a number", v.to_string().trim()))
}

/// Sets the number at `path`, keeping its surrounding comments and adding
/// `note` to the end-of-line comment.
pub fn set_number(
    doc: &mut DocumentMut,
    path: &KeyPath,
    x: f64,
    note: Option<&str>,
) -> Result<(), String> {
    let v = locate(doc, path)?;
    let decor = v.decor().clone();
    *v = Value::from(x);
    *v.decor_mut() = decor;
    if let Some(note) = note {
        let old = v
            .decor()
            .suffix()
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .trim()
            .to_string();
        let comment = old.trim_start_matches('#').trim();
        // A recalibration replaces the earlier note rather than stacking on it.
        let comment = match comment.strip_prefix("CALIBRATED by cohortsim calibrate") {
            Some(rest) => rest.split_once(").").map_or("", |(_, r)| r.trim()),
            None => comment,
        };
        let suffix = if comment.is_empty() {
            format!("  # {note}")
        } else {
            format!("  # {note}. {comment}")
        };
        v.decor_mut().set_suffix(suffix);
    }
    Ok(())
}

/// Sets the value at `path` from command-line text, in the type the file
/// already has there (a sweep's `60` stays a float where the file has
/// `60.0`, a date stays a string), keeping the comments around it.
pub fn set_from_text(doc: &mut DocumentMut, path: &KeyPath, text: &str) -> Result<(), String> {
    let v = locate(doc, path)?;
    let text = text.trim();
    let new = match v {
        Value::Integer(_) => {
            let x: f64 = text
                .parse()
                .map_err(|_| format!("`{path}`: `{text}` is not a number"))?;
            if x.fract() != 0.0 || x.abs() > 9.0e15 {
                return Err(format!("`{path}`: takes a whole number, not `{text}`"));
            }
            Value::from(x as i64)
        }
        Value::Float(_) => Value::from(
            text.parse::<f64>()
                .map_err(|_| format!("`{path}`: `{text}` is not a number"))?,
        ),
        Value::Boolean(_) => Value::from(
            text.parse::<bool>()
                .map_err(|_| format!("`{path}`: takes true or false, not `{text}`"))?,
        ),
        Value::String(_) => Value::from(text.trim_matches('"')),
        other => {
            return Err(format!(
                "`{path}`: `{}` is not a number, string or boolean; vary the values inside it",
                other.to_string().trim()
            ))
        }
    };
    let decor = v.decor().clone();
    *v = new;
    *v.decor_mut() = decor;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[outcome.progression]
median = 9.8   # ASSUMPTION: range 8-12
effects = { age = { per_unit = 1.04, center = 68 } }

[[arms]]
name = "IsaPd"
hazard_ratio = { progression = 0.596 }

[[arms]]
name = "Pd"
ratio = 1
"#;

    #[test]
    fn reads_and_writes_numbers_keeping_comments() {
        let mut doc: DocumentMut = TEXT.parse().unwrap();
        let p: KeyPath = "outcome.progression.median".parse().unwrap();
        assert_eq!(get_number(&mut doc, &p).unwrap(), 9.8);
        set_number(&mut doc, &p, 10.5, Some("CALIBRATED")).unwrap();
        let out = doc.to_string();
        assert!(
            out.contains("median = 10.5  # CALIBRATED. ASSUMPTION: range 8-12"),
            "{out}"
        );
        let hr: KeyPath = "arms[IsaPd].hazard_ratio.progression".parse().unwrap();
        assert_eq!(get_number(&mut doc, &hr).unwrap(), 0.596);
        let ratio: KeyPath = "arms[1].ratio".parse().unwrap();
        assert_eq!(get_number(&mut doc, &ratio).unwrap(), 1.0);
        let nested: KeyPath = "outcome.progression.effects.age.per_unit".parse().unwrap();
        assert_eq!(get_number(&mut doc, &nested).unwrap(), 1.04);
    }

    #[test]
    fn bad_paths_say_what_is_wrong() {
        let mut doc: DocumentMut = TEXT.parse().unwrap();
        let err =
            |s: &str, doc: &mut DocumentMut| get_number(doc, &s.parse().unwrap()).unwrap_err();
        assert!(err("outcome.progression.medain", &mut doc).contains("no key `medain`"));
        assert!(err("arms[Dara].ratio", &mut doc).contains("no entry with name `Dara`"));
        assert!(err("arms[5].ratio", &mut doc).contains("past the end"));
        assert!(err("outcome.progression", &mut doc).contains("not a number"));
        assert!(err("arms[0].name", &mut doc).contains("not a number"));
        assert!("arms[.x".parse::<KeyPath>().is_err());
    }
}
