//! Markdown (GitHub-flavoured) rendering of a [`ReportDoc`].
//!
//! Layout: `# title`, the subtitle in italics, `## heading` per section;
//! paragraphs verbatim (they may contain Markdown); tables as pipe tables
//! preceded by their bold title and followed by their notes in italics;
//! figures as `![caption](svg_file)` image links followed by the italic
//! caption. Blocks are separated by one blank line; output ends with exactly
//! one newline. Empty titles / headings / subtitles / captions are omitted.
//!
//! Escaping: every text field except paragraphs is put on one line and has
//! `<` backslash-escaped (so `<MM>` is not taken for raw HTML; `\<0.001`
//! still renders as `<0.001`); table cells additionally escape `\` and `|`.

use super::doc::{Block, ReportDoc, Section};
use super::tables::Table;

/// Render the whole document as Markdown.
pub fn render_markdown(doc: &ReportDoc) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !doc.title.trim().is_empty() {
        parts.push(format!("# {}", one_line(&doc.title)));
    }
    if !doc.subtitle.trim().is_empty() {
        parts.push(format!("_{}_", one_line(&doc.subtitle)));
    }
    for section in &doc.sections {
        render_section(section, &mut parts);
    }
    let mut out = parts.join("\n\n");
    out.push('\n');
    out
}

fn render_section(section: &Section, parts: &mut Vec<String>) {
    if !section.heading.trim().is_empty() {
        parts.push(format!("## {}", one_line(&section.heading)));
    }
    for block in &section.blocks {
        match block {
            Block::Paragraph(text) => {
                let t = text.trim_end();
                if !t.is_empty() {
                    parts.push(t.to_string());
                }
            }
            Block::Table(table) => parts.push(render_table(table)),
            Block::Figure { svg_file, caption } => {
                let mut s = format!(
                    "![{}]({})",
                    escape_link_text(&raw_one_line(caption)),
                    escape_link_target(svg_file)
                );
                if !caption.trim().is_empty() {
                    s.push_str(&format!("\n\n_{}_", one_line(caption)));
                }
                parts.push(s);
            }
        }
    }
}

/// A [`Table`] as a Markdown pipe table (title in bold above, notes in
/// italics below). A table with no columns renders as `_(empty table)_`.
pub fn render_table(table: &Table) -> String {
    let mut lines: Vec<String> = Vec::new();
    if !table.title.trim().is_empty() {
        lines.push(format!("**{}**", one_line(&table.title)));
        lines.push(String::new());
    }
    if table.n_cols() == 0 {
        lines.push("_(empty table)_".to_string());
    } else {
        lines.push(row_line(&table.padded_header()));
        lines.push(format!("|{}", " --- |".repeat(table.n_cols())));
        for row in table.padded_rows() {
            lines.push(row_line(&row));
        }
    }
    if !table.notes.is_empty() {
        lines.push(String::new());
        let notes: Vec<String> = table
            .notes
            .iter()
            .map(|n| format!("_{}_", one_line(n)))
            .collect();
        // Two trailing spaces = hard line break between notes.
        lines.push(notes.join("  \n"));
    }
    lines.join("\n")
}

fn row_line(cells: &[String]) -> String {
    let mut s = String::from("|");
    for c in cells {
        s.push(' ');
        s.push_str(&escape_table_cell(c));
        s.push_str(" |");
    }
    s
}

/// Escape a table cell: `\` -> `\\`, `|` -> `\|`, `<` -> `\<`, line
/// breaks -> spaces, surrounding whitespace trimmed.
pub fn escape_table_cell(cell: &str) -> String {
    raw_one_line(cell)
        .trim()
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "\\<")
}

/// Escape the alt text of an image link (`[`, `]`, `\`).
fn escape_link_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Percent-encode characters that would break a link target.
fn escape_link_target(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in raw_one_line(s).trim().chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            other => out.push(other),
        }
    }
    out
}

/// Single-line text with `<` escaped (headings, titles, notes, captions).
fn one_line(s: &str) -> String {
    raw_one_line(s).replace('<', "\\<")
}

fn raw_one_line(s: &str) -> String {
    s.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}
