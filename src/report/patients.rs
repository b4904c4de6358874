//! One virtual cohort as patient-level CSV (`cohortsim simulate`): the same
//! shape of data `cohortsim analyze` reads, so simulated and real cohorts go
//! through the same estimators.

use super::atomic::write_atomic;
use super::format_number;
use crate::error::Error;
use crate::scenario::Scenario;
use crate::sim::Workspace;
use std::io::Write;
use std::path::Path;

fn write_patients(w: &mut dyn Write, s: &Scenario, ws: &Workspace) -> std::io::Result<()> {
    let with_disc = s.arms.iter().any(|a| a.model.discontinuation.is_some());
    write!(w, "id,arm")?;
    for c in &s.columns {
        write!(w, ",{}", c.name)?;
    }
    write!(
        w,
        ",entry,pfs_time,pfs_event,os_time,os_event,progression_latent,death_latent"
    )?;
    if with_disc {
        write!(w, ",discontinuation_latent")?;
    }
    if s.response.is_some() {
        write!(w, ",best_response")?;
    }
    for ae in &s.adverse_events {
        write!(w, ",ae_{}", ae.event.name())?;
    }
    if s.death_causes.is_some() {
        write!(w, ",death_cause")?;
    }
    writeln!(w)?;
    let k = s.adverse_events.len();
    let o = &ws.observed;
    for i in 0..ws.entry.len() {
        write!(w, "{},{}", i + 1, s.arms[ws.arm[i] as usize].name)?;
        for c in 0..s.columns.len() {
            write!(w, ",{}", ws.cohort.value_string(c, i))?;
        }
        write!(
            w,
            ",{},{},{},{},{},{},{}",
            format_number(ws.entry[i]),
            format_number(o.pfs_time[i]),
            o.pfs_event[i] as u8,
            format_number(o.os_time[i]),
            o.os_event[i] as u8,
            // A patient who dies first never progresses: NA, not Inf.
            if ws.progression[i].is_finite() {
                format_number(ws.progression[i])
            } else {
                "NA".into()
            },
            format_number(ws.death[i]),
        )?;
        if with_disc {
            let d = ws.discontinuation[i];
            write!(
                w,
                ",{}",
                if d.is_finite() {
                    format_number(d)
                } else {
                    "NA".into()
                }
            )?;
        }
        if let Some(r) = ws.response.get(i) {
            write!(w, ",{}", r.as_str())?;
        }
        for j in 0..k {
            write!(w, ",{}", ws.adverse[i * k + j] as u8)?;
        }
        if let Some(causes) = &s.death_causes {
            let name = ws
                .death_cause
                .get(i)
                .copied()
                .flatten()
                .and_then(|c| causes.name(c));
            write!(w, ",{}", name.unwrap_or(""))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// Writes the cohort to `path`, or to standard output when `path` is None.
pub fn write_cohort(path: Option<&Path>, s: &Scenario, ws: &Workspace) -> Result<(), Error> {
    match path {
        Some(p) => write_atomic(p, |w: &mut dyn Write| write_patients(w, s, ws)),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_patients(&mut lock, s, ws).map_err(|e| Error::io(Path::new("<stdout>"), e))
        }
    }
}
