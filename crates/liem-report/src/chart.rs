//! Charts as SVG, drawn on the server with `plotters`: readable without
//! JavaScript, every axis described in the reader's language.

use plotters::prelude::*;

/// An error drawing a chart.
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// A series of a trend chart.
pub struct Series<'a> {
    /// Its name (legend).
    pub name: &'a str,
    /// One value per x label.
    pub values: &'a [i64],
}

/// The texts of a chart.
pub struct Texts<'a> {
    /// Caption.
    pub title: &'a str,
    /// The x axis' description.
    pub x: &'a str,
    /// The y axis' description.
    pub y: &'a str,
}

const PALETTE: [RGBColor; 4] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0xc0, 0x39, 0x2b),
    RGBColor(0x2e, 0x8b, 0x57),
    RGBColor(0x8e, 0x44, 0xad),
];

fn nice_max(max: i64) -> i64 {
    if max <= 4 {
        return 5;
    }
    let max = max + max / 10;
    let mag = 10i64.pow((max as f64).log10().floor() as u32);
    (max + mag - 1) / mag * mag
}

/// A line chart over categories (months), one line per series.
pub fn trend(
    texts: &Texts<'_>,
    x_labels: &[String],
    series: &[Series<'_>],
) -> Result<String, ChartError> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (640, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = x_labels.len().max(1) as i32;
        let max = series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .max()
            .unwrap_or(0);
        let mut chart = ChartBuilder::on(&root)
            .caption(texts.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5f64..(f64::from(n) - 0.5), 0f64..nice_max(max) as f64)
            .map_err(err)?;
        let labels = x_labels.to_vec();
        chart
            .configure_mesh()
            .x_desc(texts.x)
            .y_desc(texts.y)
            .x_labels(x_labels.len().clamp(1, 12))
            .x_label_formatter(&|v: &f64| {
                let i = v.round();
                if (v - i).abs() < 0.01 && i >= 0.0 {
                    labels.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v: &f64| format!("{v:.0}"))
            .draw()
            .map_err(err)?;
        for (k, s) in series.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let points: Vec<(f64, f64)> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64, *v as f64))
                .collect();
            chart
                .draw_series(std::iter::once(PathElement::new(
                    points.clone(),
                    color.stroke_width(2),
                )))
                .map_err(err)?
                .label(s.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, color.filled())),
                )
                .map_err(err)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// A horizontal bar chart: one bar per category.
pub fn bars(texts: &Texts<'_>, bars: &[(String, i64)]) -> Result<String, ChartError> {
    let mut buf = String::new();
    {
        let height = (bars.len() as u32 * 18 + 110).max(200);
        let root = SVGBackend::with_string(&mut buf, (640, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = bars.len().max(1) as i32;
        let max = bars.iter().map(|b| b.1).max().unwrap_or(0);
        let mut chart = ChartBuilder::on(&root)
            .caption(texts.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(150)
            .build_cartesian_2d(0f64..nice_max(max) as f64, -0.5f64..(f64::from(n) - 0.5))
            .map_err(err)?;
        let labels: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(texts.y)
            .y_desc(texts.x)
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|v: &f64| {
                let i = v.round();
                if (v - i).abs() < 0.01 && i >= 0.0 {
                    // Top to bottom in the given order.
                    let idx = labels.len().saturating_sub(1 + i as usize);
                    labels.get(idx).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|v: &f64| format!("{v:.0}"))
            .draw()
            .map_err(err)?;
        let k = bars.len();
        chart
            .draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
                let y = (k - 1 - i) as f64;
                Rectangle::new(
                    [(0.0, y - 0.35), (*v as f64, y + 0.35)],
                    PALETTE[0].filled(),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// A tile of the province map: the province's code, its grid position
/// (column, row) and its value.
pub struct Tile {
    /// Code shown on the tile.
    pub code: String,
    /// Grid column.
    pub col: u32,
    /// Grid row.
    pub row: u32,
    /// Value (colour and text).
    pub value: i64,
    /// A hot spot is open in it: drawn with a red frame and a mark.
    pub alert: bool,
}

/// A tile map of the provinces: one square per province at its rough
/// place on the map, shaded by its value.
pub fn tiles(title: &str, tiles: &[Tile]) -> Result<String, ChartError> {
    let cols = tiles.iter().map(|t| t.col).max().unwrap_or(0) + 1;
    let rows = tiles.iter().map(|t| t.row).max().unwrap_or(0) + 1;
    let size = 44u32;
    let (w, h) = (cols * size + 20, rows * size + 50);
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        root.draw(&Text::new(title.to_owned(), (10, 8), ("sans-serif", 16)))
            .map_err(err)?;
        let max = tiles.iter().map(|t| t.value).max().unwrap_or(0).max(1);
        for t in tiles {
            let x = (10 + t.col * size) as i32;
            let y = (36 + t.row * size) as i32;
            let share = t.value as f64 / max as f64;
            let shade = RGBColor(
                (250.0 - 60.0 * share) as u8,
                (240.0 - 190.0 * share) as u8,
                (230.0 - 190.0 * share) as u8,
            );
            root.draw(&Rectangle::new(
                [(x, y), (x + size as i32 - 3, y + size as i32 - 3)],
                shade.filled(),
            ))
            .map_err(err)?;
            if t.alert {
                let red = RGBColor(200, 0, 0);
                // Three nested outlines (the SVG backend drops a stroke's
                // width).
                for d in 0..3 {
                    root.draw(&Rectangle::new(
                        [
                            (x + d, y + d),
                            (x + size as i32 - 4 - d, y + size as i32 - 4 - d),
                        ],
                        red,
                    ))
                    .map_err(err)?;
                }
                root.draw(&Text::new(
                    "▲".to_owned(),
                    (x + size as i32 - 17, y + 24),
                    ("sans-serif", 12).into_font().color(&red),
                ))
                .map_err(err)?;
            }
            let ink = if share > 0.55 { WHITE } else { BLACK };
            root.draw(&Text::new(
                t.code.clone(),
                (x + 4, y + 6),
                ("sans-serif", 12).into_font().color(&ink),
            ))
            .map_err(err)?;
            root.draw(&Text::new(
                t.value.to_string(),
                (x + 4, y + 22),
                ("sans-serif", 11).into_font().color(&ink),
            ))
            .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts of an SVG's `<text>` elements.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                let body = t.split_once('>')?.1;
                Some(body.split_once("</text>")?.0.trim().to_owned())
            })
            .collect()
    }

    #[test]
    fn a_trend_chart_is_svg_with_its_axis_descriptions_and_escaped_text() {
        let svg = trend(
            &Texts {
                title: "Letters & matters",
                x: "Month",
                y: "Letters",
            },
            &["2026-01".into(), "2026-02".into(), "2026-03".into()],
            &[Series {
                name: "2026",
                values: &[3, 9, 4],
            }],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        let t = texts(&svg);
        for want in [
            "Month",
            "Letters",
            "Letters &amp; matters",
            "2026-02",
            "2026",
        ] {
            assert!(t.iter().any(|x| x == want), "{want} not in {t:?}");
        }
        let b = bars(
            &Texts {
                title: "By field",
                x: "Field",
                y: "Letters",
            },
            &[("Land".into(), 7), ("Judicial".into(), 2)],
        )
        .unwrap();
        let t = texts(&b);
        assert!(
            t.iter().any(|x| x == "Field") && t.iter().any(|x| x == "Land"),
            "{t:?}"
        );
        assert!(b.contains("<rect"));
    }

    #[test]
    fn a_tile_with_an_open_hot_spot_is_framed_in_red_and_marked() {
        let tile = |code: &str, col, alert| Tile {
            code: code.into(),
            col,
            row: 0,
            value: 5,
            alert,
        };
        let svg = tiles("Map", &[tile("HNI", 0, true), tile("HCM", 1, false)]).unwrap();
        assert_eq!(svg.matches("stroke=\"#C80000\"").count(), 3, "{svg}");
        assert_eq!(texts(&svg).iter().filter(|t| t.as_str() == "▲").count(), 1);
        let plain = tiles("Map", &[tile("HNI", 0, false)]).unwrap();
        assert!(!plain.contains("#C80000"));
    }
}
