// Package promplot draws what an SRE sees on the dashboard's main panels
// as a PNG, from a Prometheus server's data: bytes written per second and
// shards by state over time, with the dashboard's own queries
// (internal/dashboards) run over a time range. cmd/promplot draws it for
// any Prometheus; the end-to-end Prometheus test draws it for its run.
package promplot

import (
	"fmt"
	"image/color"
	"io"
	"sort"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/ocimove/ocimove/internal/promapi"
)

// Series is one named line of a chart.
type Series struct {
	Name   string
	Points []promapi.Point
	// Color draws it; nil takes the next color of the palette.
	Color color.Color
}

// Chart is one panel of the figure.
type Chart struct {
	Title string
	// Unit labels the y axis.
	Unit string
	// Scale divides every value before it is drawn (1024*1024 for MiB).
	Scale float64
	// Stacked draws the series as areas on top of each other (parts of a
	// whole, such as shards by state); otherwise as lines.
	Stacked bool
	Series  []Series
}

// Figure is charts one above the other, under a title.
type Figure struct {
	Title  string
	Charts []Chart
	// Width and Height of the PNG (default 1200×900 pixels at 96 dpi).
	Width, Height vg.Length
}

// WritePNG draws f as a PNG to w.
func WritePNG(w io.Writer, f Figure) error {
	if len(f.Charts) == 0 {
		return fmt.Errorf("promplot: a figure without charts")
	}
	width, height := f.Width, f.Height
	if width == 0 {
		width, height = 12.5*vg.Inch, 9.375*vg.Inch
	}
	plots := make([][]*plot.Plot, len(f.Charts))
	for i, c := range f.Charts {
		p, err := chart(c, f.Title, i == 0)
		if err != nil {
			return err
		}
		plots[i] = []*plot.Plot{p}
	}
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(8), PadBottom: vg.Points(8),
		PadLeft: vg.Points(8), PadRight: vg.Points(16), PadY: vg.Points(20)}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		return fmt.Errorf("promplot: write the PNG: %w", err)
	}
	return nil
}

// chart builds one plot, titled with the figure's title when it is the
// first.
func chart(c Chart, figTitle string, first bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = c.Title
	if first && figTitle != "" {
		p.Title.Text = figTitle + "\n" + c.Title
	}
	p.Y.Label.Text = c.Unit
	p.Y.Min = 0
	p.X.Tick.Marker = plot.TimeTicks{Format: "15:04:05"}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	scale := c.Scale
	if scale == 0 {
		scale = 1
	}
	series := append([]Series(nil), c.Series...)
	sort.SliceStable(series, func(i, j int) bool { return series[i].Name < series[j].Name })
	// Room above the data for the legend, in the top left corner.
	defer func() { p.Y.Max = p.Y.Max*1.2 + 0.12*p.Y.Max*float64(len(series)) }()
	if c.Stacked {
		return p, stack(p, series, scale)
	}
	for i, s := range series {
		xys := make(plotter.XYs, len(s.Points))
		for j, pt := range s.Points {
			xys[j] = plotter.XY{X: seconds(pt.T), Y: pt.V / scale}
		}
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("promplot: %s: %w", s.Name, err)
		}
		l.Color = colorOf(s, i)
		l.Width = vg.Points(2)
		p.Add(l)
		p.Legend.Add(s.Name, l)
	}
	return p, nil
}

// stack draws series as stacked areas over the union of their
// timestamps; a series without a point at a time counts 0 there.
func stack(p *plot.Plot, series []Series, scale float64) error {
	var times []float64
	seen := map[float64]bool{}
	values := make([]map[float64]float64, len(series))
	for i, s := range series {
		values[i] = map[float64]float64{}
		for _, pt := range s.Points {
			x := seconds(pt.T)
			values[i][x] = pt.V / scale
			if !seen[x] {
				seen[x] = true
				times = append(times, x)
			}
		}
	}
	if len(times) == 0 {
		return nil
	}
	sort.Float64s(times)
	base := make([]float64, len(times))
	for i, s := range series {
		top := make([]float64, len(times))
		for j, x := range times {
			top[j] = base[j] + values[i][x]
		}
		// The area between base and top: along the top, back along the base.
		ring := make(plotter.XYs, 0, 2*len(times))
		for j, x := range times {
			ring = append(ring, plotter.XY{X: x, Y: top[j]})
		}
		for j := len(times) - 1; j >= 0; j-- {
			ring = append(ring, plotter.XY{X: times[j], Y: base[j]})
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return fmt.Errorf("promplot: %s: %w", s.Name, err)
		}
		poly.Color = colorOf(s, i)
		poly.LineStyle.Width = 0
		p.Add(poly)
		p.Legend.Add(s.Name, poly)
		base = top
	}
	return nil
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// palette has a color for each of up to 14 series without one of their own.
var palette = append(append([]color.Color{}, plotutil.SoftColors...), plotutil.DarkColors...)

// colorOf is s's own color, or the i-th of the palette.
func colorOf(s Series, i int) color.Color {
	if s.Color != nil {
		return s.Color
	}
	return palette[i%len(palette)]
}
