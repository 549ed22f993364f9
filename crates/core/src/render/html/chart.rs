//! A horizontal stacked bar chart as inline SVG: the report's reviewer contribution,
//! and any page that compares reviewers.

use super::page::escape;
use crate::prose::one_line;

/// One stacked series of a [`stacked_bars`] chart: its legend name and fill colour.
pub(crate) struct Series {
    pub name: &'static str,
    pub color: &'static str,
}

/// One bar: its label (untrusted text), a key for `data-key` (already safe: we make it),
/// and one value per series.
pub(crate) struct Bar {
    pub label: String,
    pub key: String,
    pub values: Vec<u32>,
}

/// A horizontal stacked bar chart as inline SVG with an HTML legend: one `<g
/// class="bar">` per bar, one `<rect>` per non-zero segment (with a `<title>` tooltip),
/// the total at the end of the bar. Scaled to the largest total; empty bars stay empty.
pub(crate) fn stacked_bars(series: &[Series], bars: &[Bar], caption: &str) -> String {
    const LABEL_W: u32 = 190;
    const PLOT_W: u32 = 420;
    const ROW_H: u32 = 30;
    const BAR_H: u32 = 18;
    let width = LABEL_W + PLOT_W + 50;
    let height = ROW_H * bars.len().max(1) as u32 + 8;
    let max = bars
        .iter()
        .map(|b| b.values.iter().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        escape(caption)
    );
    for (row, bar) in bars.iter().enumerate() {
        let y = 4 + ROW_H * row as u32;
        let label = truncate(&one_line(&bar.label), 26);
        svg.push_str(&format!(
            "<g class=\"bar\" data-key=\"{}\">\n<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            escape(&bar.key),
            LABEL_W - 10,
            y + BAR_H - 4,
            escape(&label)
        ));
        let mut x = LABEL_W;
        let mut total = 0;
        for (s, value) in series.iter().zip(&bar.values) {
            if *value == 0 {
                continue;
            }
            let w = (u64::from(*value) * u64::from(PLOT_W) / u64::from(max)).max(2) as u32;
            svg.push_str(&format!(
                "<rect class=\"seg\" data-series=\"{}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{BAR_H}\" fill=\"{}\"><title>{}: {} {value}</title></rect>\n",
                escape(s.name),
                s.color,
                escape(&one_line(&bar.label)),
                escape(s.name),
            ));
            if w >= 22 {
                svg.push_str(&format!(
                    "<text class=\"in\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{value}</text>\n",
                    x + w / 2,
                    y + BAR_H - 5
                ));
            }
            x += w;
            total += value;
        }
        svg.push_str(&format!(
            "<text class=\"total\" x=\"{}\" y=\"{}\">{total}</text>\n</g>\n",
            x + 6,
            y + BAR_H - 4
        ));
    }
    svg.push_str("</svg>\n");
    let legend: Vec<String> = series
        .iter()
        .map(|s| {
            format!(
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                s.color,
                escape(s.name)
            )
        })
        .collect();
    format!(
        "<figure class=\"chart-box\">\n{svg}<figcaption><ul class=\"legend\">{}</ul>{}</figcaption>\n</figure>\n",
        legend.concat(),
        escape(caption)
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}
