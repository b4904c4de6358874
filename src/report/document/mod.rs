//! Rendering of `cohortsim report` documents: Kaplan–Meier band figures (SVG),
//! report tables, and the Markdown / self-contained HTML documents.
//!
//! Everything here takes plain data (no simulator types), never panics on
//! any input (NaN, empty series, not-reached medians) and produces
//! byte-identical output for identical input.

pub mod doc;
pub mod error;
pub mod html;
pub mod km_band_svg;
pub mod line_chart_svg;
pub mod markdown;
pub mod tables;
pub mod tornado_svg;
pub mod waterfall_svg;

pub use doc::{Block, ReportDoc, Section};
pub use error::RenderError;
pub use html::render_html;
pub use km_band_svg::{render_svg, CurveBand, KmFigure};
pub use line_chart_svg::{render_line_chart, ChartPoint, LineChart, Series};
pub use markdown::render_markdown;
pub use tables::Table;
pub use tornado_svg::{render_tornado, Tornado, TornadoBar};
pub use waterfall_svg::{render_waterfall, Waterfall, WaterfallStep};
