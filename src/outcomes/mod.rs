//! Event times: the illness-death model that turns baseline hazards and
//! per-patient hazard multipliers into latent event times, and the covariate
//! effects that give those multipliers.

pub mod effects;
pub mod illness_death;

pub use illness_death::{
    os_survival_constant, DeathClock, Discontinuation, DiscontinuationError, IllnessDeath,
    LatentTimes, Multipliers, DRAWS_PER_PATIENT,
};
