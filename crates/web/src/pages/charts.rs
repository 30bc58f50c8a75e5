//! Geometry for server-rendered SVG charts (radar and line), computed here so templates only
//! print coordinates. Colours come from one palette so a series keeps its colour across charts.

/// Series colours (colour-blind-safe, after Okabe and Ito).
pub const PALETTE: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];

fn xy(x: f64, y: f64) -> String {
    format!("{x:.1},{y:.1}")
}

#[derive(Debug, Clone)]
pub struct Spoke {
    pub x: String,
    pub y: String,
    pub label_x: String,
    pub label_y: String,
    pub anchor: &'static str,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    /// `points` attribute of a polygon or polyline.
    pub points: String,
    /// Each value's marker: (x, y, tooltip).
    pub dots: Vec<(String, String, String)>,
}

#[derive(Debug, Clone)]
pub struct Radar {
    pub size: u32,
    pub centre: String,
    /// One polygon per ring (value 1..=max).
    pub rings: Vec<String>,
    pub spokes: Vec<Spoke>,
    pub series: Vec<Series>,
}

/// A radar with one axis per label, values from 0 (centre) to `max` (rim); each series gives
/// one value per axis.
pub fn radar(labels: &[String], max: u32, series: &[(String, Vec<f64>)]) -> Radar {
    let size = 420u32;
    let c = f64::from(size) / 2.0;
    let r = c - 70.0;
    let n = labels.len().max(1);
    let at = |i: usize, v: f64| {
        let angle = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
        let d = r * (v / f64::from(max.max(1))).clamp(0.0, 1.0);
        (c + d * angle.cos(), c + d * angle.sin())
    };
    let rings = (1..=max)
        .map(|ring| {
            (0..n)
                .map(|i| {
                    let (x, y) = at(i, f64::from(ring));
                    xy(x, y)
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let spokes = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let (x, y) = at(i, f64::from(max));
            let (lx, ly) = at(i, f64::from(max) * 1.12);
            let anchor = if (lx - c).abs() < 5.0 {
                "middle"
            } else if lx > c {
                "start"
            } else {
                "end"
            };
            Spoke {
                x: format!("{x:.1}"),
                y: format!("{y:.1}"),
                label_x: format!("{lx:.1}"),
                label_y: format!("{:.1}", ly + 4.0),
                anchor,
                label: label.clone(),
            }
        })
        .collect();
    let series = series
        .iter()
        .enumerate()
        .map(|(k, (name, values))| {
            let dots: Vec<(String, String, String)> = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let (x, y) = at(i, *v);
                    let label = labels.get(i).map(String::as_str).unwrap_or("");
                    (
                        format!("{x:.1}"),
                        format!("{y:.1}"),
                        format!("{name} — {label}: {v:.1}"),
                    )
                })
                .collect();
            Series {
                name: name.clone(),
                colour: PALETTE[k % PALETTE.len()],
                points: dots
                    .iter()
                    .map(|(x, y, _)| format!("{x},{y}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                dots,
            }
        })
        .collect();
    Radar {
        size,
        centre: xy(c, c),
        rings,
        spokes,
        series,
    }
}

#[derive(Debug, Clone)]
pub struct LineChart {
    pub width: u32,
    pub height: u32,
    /// Plot area: left, top, right, bottom.
    pub left: u32,
    pub top: u32,
    pub right: u32,
    pub bottom: u32,
    /// (x, label) under the axis.
    pub x_labels: Vec<(String, String)>,
    /// (y, label) of the horizontal grid lines.
    pub y_ticks: Vec<(String, String)>,
    pub series: Vec<Series>,
}

/// A line chart of series over the same x labels; values from 0 to `max`, `None` is a gap
/// (the line joins the points that exist). `fmt` prints a value for the tick labels and
/// tooltips.
pub fn line_chart(
    x_labels: &[String],
    series: &[(String, Vec<Option<f64>>)],
    max: f64,
    fmt: impl Fn(f64) -> String,
) -> LineChart {
    let (width, height) = (640u32, 280u32);
    let (left, top, right, bottom) = (48u32, 16u32, width - 16, height - 48);
    let n = x_labels.len();
    let x_at = |i: usize| {
        let span = f64::from(right - left);
        if n <= 1 {
            f64::from(left) + span / 2.0
        } else {
            f64::from(left) + span * i as f64 / (n - 1) as f64
        }
    };
    let y_at = |v: f64| {
        let span = f64::from(bottom - top);
        f64::from(bottom) - span * (v / max).clamp(0.0, 1.0)
    };
    let y_ticks = (0..=4)
        .map(|k| {
            let v = max * f64::from(k) / 4.0;
            (format!("{:.1}", y_at(v)), fmt(v))
        })
        .collect();
    let series = series
        .iter()
        .enumerate()
        .map(|(k, (name, values))| {
            let dots: Vec<(String, String, String)> = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let v = (*v)?;
                    let label = x_labels.get(i).map(String::as_str).unwrap_or("");
                    Some((
                        format!("{:.1}", x_at(i)),
                        format!("{:.1}", y_at(v)),
                        format!("{name} — {label}: {}", fmt(v)),
                    ))
                })
                .collect();
            Series {
                name: name.clone(),
                colour: PALETTE[k % PALETTE.len()],
                points: dots
                    .iter()
                    .map(|(x, y, _)| format!("{x},{y}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                dots,
            }
        })
        .collect();
    LineChart {
        width,
        height,
        left,
        top,
        right,
        bottom,
        x_labels: x_labels
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("{:.1}", x_at(i)), l.clone()))
            .collect(),
        y_ticks,
        series,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radar_puts_values_on_their_axes() {
        let labels = vec!["a".to_string(), "b".into(), "c".into(), "d".into()];
        let r = radar(&labels, 5, &[("s".into(), vec![5.0, 0.0, 2.5, 9.0])]);
        assert_eq!(r.rings.len(), 5);
        // Axis 0 points up: full value at the top of the radius (centre 210, radius 140).
        assert_eq!(r.series[0].dots[0].0, "210.0");
        assert_eq!(r.series[0].dots[0].1, "70.0");
        // Zero sits on the centre; 2.5 of 5 is half-way down axis 2; 9 is clamped to the rim.
        assert_eq!(r.series[0].dots[1].0, "210.0");
        assert_eq!(r.series[0].dots[2].1, "280.0");
        assert_eq!(r.series[0].dots[3].0, "70.0");
    }

    #[test]
    fn line_chart_skips_gaps() {
        let labels = vec!["x".to_string(), "y".into(), "z".into()];
        let c = line_chart(
            &labels,
            &[("s".into(), vec![Some(0.0), None, Some(1.0)])],
            1.0,
            |v| format!("{v}"),
        );
        assert_eq!(c.series[0].dots.len(), 2);
        assert_eq!(c.series[0].points, "48.0,232.0 624.0,16.0");
    }
}
