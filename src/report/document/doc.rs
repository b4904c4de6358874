//! Document model shared by the Markdown and HTML renderers.

use super::tables::Table;

/// A whole report: title, optional subtitle, and ordered sections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportDoc {
    pub title: String,
    /// Rendered under the title; omitted when empty.
    pub subtitle: String,
    pub sections: Vec<Section>,
}

/// One headed section of a report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// A content block inside a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Plain text. Markdown output writes it verbatim (it may contain
    /// Markdown); HTML output escapes it and keeps line breaks.
    Paragraph(String),
    Table(Table),
    /// A figure stored as a separate SVG file (relative path / file name).
    /// Markdown links to the file; HTML inlines the SVG text looked up by
    /// this name.
    Figure {
        svg_file: String,
        caption: String,
    },
}
