//! `cohortsim calibrate`: solve, print the solution with its residuals, and
//! write the calibrated scenario atomically.

use crate::calibrate::{calibrate as solve, KeyPath, Target};
use crate::error::Error;
use crate::report::atomic::write_atomic;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the calibrated scenario goes by default: beside the input, as
/// NAME.calibrated.toml.
pub fn default_output(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("scenario");
    path.with_file_name(format!("{stem}.calibrated.toml"))
}

/// `include` paths are relative to the scenario's directory; a calibrated file
/// written elsewhere gets them as absolute paths so it still finds them.
fn rebase_includes(text: &str, from: &Path, to: &Path) -> Result<String, Error> {
    let dir = |p: &Path| {
        let d = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        d.canonicalize().unwrap_or_else(|_| d.to_path_buf())
    };
    let (src, dst) = (dir(from), dir(to));
    if src == dst {
        return Ok(text.to_string());
    }
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::Calibration(format!("{e}")))?;
    if let Some(arr) = doc.get_mut("include").and_then(|i| i.as_array_mut()) {
        for v in arr.iter_mut() {
            if let Some(rel) = v.as_str() {
                let abs = src.join(rel);
                let decor = v.decor().clone();
                *v = toml_edit::Value::from(abs.display().to_string());
                *v.decor_mut() = decor;
            }
        }
    }
    Ok(doc.to_string())
}

/// Runs the calibration and returns the report printed on standard output.
pub fn calibrate(
    path: &Path,
    targets: &[String],
    free: &[String],
    out: Option<&Path>,
    truth_n: Option<usize>,
) -> Result<String, Error> {
    let targets: Vec<Target> = targets
        .iter()
        .map(|t| t.parse())
        .collect::<Result<_, String>>()
        .map_err(Error::Usage)?;
    let free: Vec<KeyPath> = free
        .iter()
        .map(|k| k.parse().map_err(|e| format!("--free {e}")))
        .collect::<Result<_, String>>()
        .map_err(Error::Usage)?;
    if truth_n.is_some_and(|n| n < 1000) {
        return Err(Error::Usage("--truth-n must be at least 1000".into()));
    }
    let mut c = solve(path, &targets, &free, truth_n)?;
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| default_output(path));
    c.calibrated = rebase_includes(&c.calibrated, path, &out)?;
    // The calibrated file must itself be a valid scenario before it is written.
    crate::scenario::from_str(&c.calibrated, &out)?;
    write_atomic(&out, |w: &mut dyn Write| {
        w.write_all(c.calibrated.as_bytes())
    })?;

    let mut o = String::new();
    let _ = writeln!(
        o,
        "{}: calibrated in {} Newton iterations ({} model evaluations)",
        path.display(),
        c.iterations,
        c.evaluations
    );
    let _ = writeln!(
        o,
        "\n{:<48} {:>14} {:>14}",
        "free parameter", "start", "solution"
    );
    for f in &c.free {
        let _ = writeln!(o, "{:<48} {:>14.6} {:>14.6}", f.key, f.start, f.solution);
    }
    let _ = writeln!(
        o,
        "\n{:<48} {:>14} {:>14} {:>12}",
        "target", "published", "model (true)", "rel. error"
    );
    for f in &c.fits {
        let _ = writeln!(
            o,
            "{:<48} {:>14.6} {:>14.6} {:>12.2e}",
            f.target,
            f.value,
            f.achieved,
            (f.achieved - f.value) / f.value
        );
    }
    let _ = writeln!(o, "\nwrote {}", out.display());
    Ok(o)
}
