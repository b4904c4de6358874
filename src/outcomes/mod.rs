//! Outcomes: the illness-death model that turns baseline hazards and
//! per-patient hazard multipliers into latent event times, the covariate
//! effects that give those multipliers, and the endpoints papers report beside
//! PFS (best response, adverse events, causes of death).

pub mod adverse_events;
pub mod death_cause;
pub mod effects;
pub(crate) mod exp_memo;
pub mod illness_death;
mod logit;
pub mod response;
pub mod time_scales;
pub mod uniform32;

pub use illness_death::{
    os_survival_constant, ConstantRates, DeathClock, Discontinuation, DiscontinuationError,
    IllnessDeath, LatentTimes, Multipliers, DRAWS_PER_PATIENT,
};
