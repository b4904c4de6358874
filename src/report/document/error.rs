//! Error type shared by the report renderers.

use std::fmt;

/// Why a figure could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// Requested canvas size is outside the supported range
    /// (`MIN_WIDTH..=MAX_SIDE` × `MIN_HEIGHT..=MAX_SIDE`, see
    /// [`km_band_svg`](super::km_band_svg)).
    InvalidSize { width: u32, height: u32 },
    /// plotters reported a drawing failure (message of the plotters error).
    Plot(String),
    /// plotters panicked internally; the panic was caught and turned into
    /// this value so that rendering never unwinds into the caller.
    Internal(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::InvalidSize { width, height } => {
                write!(f, "invalid figure size {width}x{height} pixels")
            }
            RenderError::Plot(msg) => write!(f, "plotting failed: {msg}"),
            RenderError::Internal(msg) => write!(f, "internal plotting error: {msg}"),
        }
    }
}

impl std::error::Error for RenderError {}

/// Convert any plotters error into [`RenderError::Plot`].
pub(crate) fn plot_err<E: fmt::Display>(e: E) -> RenderError {
    RenderError::Plot(e.to_string())
}
