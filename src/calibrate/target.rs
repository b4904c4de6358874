//! What a calibration aims at: a published figure for one arm, as the model's
//! true value (median PFS or OS, PFS or OS at a landmark).

use crate::scenario::Scenario;
use crate::sim::truth::ArmTruth;

/// The estimand a target names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimand {
    MedianPfs,
    MedianOs,
    PfsAt(f64),
    OsAt(f64),
}

impl Estimand {
    fn parse(s: &str) -> Option<Estimand> {
        match s {
            "median_pfs" => Some(Estimand::MedianPfs),
            "median_os" => Some(Estimand::MedianOs),
            _ => {
                let (what, t) = s.split_once('@')?;
                let t: f64 = t.parse().ok().filter(|t: &f64| t.is_finite() && *t > 0.0)?;
                match what {
                    "pfs" => Some(Estimand::PfsAt(t)),
                    "os" => Some(Estimand::OsAt(t)),
                    _ => None,
                }
            }
        }
    }

    /// The population's value; None where a median is not reached.
    pub fn evaluate(&self, pop: &ArmTruth) -> Option<f64> {
        match *self {
            Estimand::MedianPfs => pop.pfs_median(),
            Estimand::MedianOs => pop.os_median(),
            Estimand::PfsAt(t) => Some(pop.pfs_survival(t)),
            Estimand::OsAt(t) => Some(pop.os_survival(t)),
        }
    }
}

/// `[ARM.]ESTIMAND=VALUE`, as given on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub text: String,
    /// The arm's name as written (None: the scenario's only arm).
    pub arm: Option<String>,
    pub estimand: Estimand,
    pub value: f64,
}

const FORMS: &str = "[ARM.]median_pfs=V, [ARM.]median_os=V, [ARM.]pfs@T=V or [ARM.]os@T=V";

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (lhs, v) = text
            .split_once('=')
            .ok_or_else(|| format!("target `{text}`: expected {FORMS}"))?;
        let value: f64 = v
            .trim()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| format!("target `{text}`: `{v}` is not a number"))?;
        let lhs = lhs.trim();
        // The estimand is whatever follows the last '.' that leaves a known estimand
        // (landmarks such as pfs@7.5 contain a '.').
        let split = lhs
            .match_indices('.')
            .map(|(i, _)| i)
            .find(|&i| Estimand::parse(&lhs[i + 1..]).is_some());
        let (arm, est) = match split {
            Some(i) => (Some(lhs[..i].to_string()), &lhs[i + 1..]),
            None => (None, lhs),
        };
        let estimand =
            Estimand::parse(est).ok_or_else(|| format!("target `{text}`: expected {FORMS}"))?;
        let in_range = match estimand {
            Estimand::PfsAt(_) | Estimand::OsAt(_) => value > 0.0 && value < 1.0,
            _ => value > 0.0,
        };
        if !in_range {
            return Err(format!(
                "target `{text}`: a survival probability must be in (0, 1) and a median positive"
            ));
        }
        Ok(Target {
            text: text.to_string(),
            arm,
            estimand,
            value,
        })
    }
}

impl Target {
    /// The index of the target's arm in `s`.
    pub fn arm_index(&self, s: &Scenario) -> Result<usize, String> {
        match &self.arm {
            Some(name) => s.arms.iter().position(|a| &a.name == name).ok_or_else(|| {
                let names: Vec<&str> = s.arms.iter().map(|a| a.name.as_str()).collect();
                format!(
                    "target `{}`: no arm `{name}` (arms: {})",
                    self.text,
                    names.join(", ")
                )
            }),
            None if s.arms.len() == 1 => Ok(0),
            None => Err(format!(
                "target `{}`: the scenario has several arms; write ARM.{}",
                self.text, self.text
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        let t: Target = "median_pfs=11.1".parse().unwrap();
        assert_eq!(
            (t.arm, t.estimand, t.value),
            (None, Estimand::MedianPfs, 11.1)
        );
        let t: Target = "IsaPd.pfs@7.5=0.58".parse().unwrap();
        assert_eq!(t.arm.as_deref(), Some("IsaPd"));
        assert_eq!(t.estimand, Estimand::PfsAt(7.5));
        let t: Target = "arm.v2.os@12=0.7".parse().unwrap();
        assert_eq!(t.arm.as_deref(), Some("arm.v2"));
        assert!("median_pfs".parse::<Target>().is_err());
        assert!("median_dfs=3".parse::<Target>().is_err());
        assert!("pfs@12=1.2".parse::<Target>().is_err());
        assert!("median_os=-3".parse::<Target>().is_err());
    }
}
