package promplot_test

import (
	"bytes"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/plotutil"

	"github.com/ocimove/ocimove/internal/promapi"
	"github.com/ocimove/ocimove/internal/promplot"
)

// TestWritePNGDrawsEverySeries draws a line chart and a stacked chart and
// finds each series' color in the picture.
func TestWritePNGDrawsEverySeries(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	own := color.RGBA{10, 200, 30, 255} // a series' own color
	ramp := func(n int, f func(i int) float64) []promapi.Point {
		var out []promapi.Point
		for i := 0; i < n; i++ {
			out = append(out, promapi.Point{T: t0.Add(time.Duration(i) * 10 * time.Second), V: f(i)})
		}
		return out
	}
	fig := promplot.Figure{Title: "test", Charts: []promplot.Chart{
		{Title: "Bytes/s", Unit: "MiB/s", Scale: 1 << 20, Series: []promplot.Series{
			{Name: "m1", Points: ramp(30, func(i int) float64 { return float64(i%7) * (1 << 20) })},
		}},
		{Title: "Shards by state", Unit: "shards", Stacked: true, Series: []promplot.Series{
			{Name: "Copying", Points: ramp(30, func(i int) float64 { return float64(3 - i/10) })},
			{Name: "Soaking", Points: ramp(30, func(i int) float64 { return float64(i / 10) }), Color: own},
		}},
	}}
	var buf bytes.Buffer
	require.NoError(t, promplot.WritePNG(&buf, fig))
	img, err := png.Decode(&buf)
	require.NoError(t, err)
	assert.Equal(t, 1200, img.Bounds().Dx())
	assert.Equal(t, 900, img.Bounds().Dy())

	count := map[color.Color]int{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			for _, c := range []color.Color{plotutil.Color(0), own} {
				cr, cg, cb, _ := c.RGBA()
				if r>>8 == cr>>8 && g>>8 == cg>>8 && b>>8 == cb>>8 {
					count[c]++
				}
			}
		}
	}
	// The line chart's series and the first stacked area take the
	// palette's first color; the second area has its own.
	assert.Greater(t, count[plotutil.Color(0)], 5000, "the line and the Copying area are drawn")
	assert.Greater(t, count[own], 5000, "the Soaking area is drawn in its own color")
}

// TestWritePNGRefusesAnEmptyFigure checks that a figure needs a chart.
func TestWritePNGRefusesAnEmptyFigure(t *testing.T) {
	assert.Error(t, promplot.WritePNG(&bytes.Buffer{}, promplot.Figure{}))
}
