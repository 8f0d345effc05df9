package report

import (
	"fmt"

	"github.com/lambda-reuse/lambda-reuse/reusetest/summary"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// chartTenants is the chart of a run whose calls carried tenants: the
// share of calls that met a new environment, tenants banded by rank.
const chartTenants = "tenants"

// tenantsChart is in every report of a run with tenants.
var tenantsChart = chart{chartTenants, "Tenants banded by rank, busiest first: the share of each band's served calls that met a new environment (a cold start), as the tenants table gives it.",
	func(d chartData) (*plot.Plot, error) { return tenantChart(d.sum.Tenants) }}

// tenantChart draws each band's cold share, in percent, one bar a band.
func tenantChart(t *summary.Tenants) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Cold starts by tenant rank: %d tenants, %d environments, %.3g%% of served calls cold overall", t.Count, t.Environments, 100*t.ColdShare)
	p.Y.Label.Text = "served calls that met a new environment, %"
	p.X.Label.Text = "tenants by rank (calls in the band)"
	values := make(plotter.Values, len(t.Bands))
	labels := make([]string, len(t.Bands))
	for i, b := range t.Bands {
		values[i] = 100 * b.ColdShare
		labels[i] = fmt.Sprintf("#%d", b.Ranks[0])
		if b.Ranks[1] != b.Ranks[0] {
			labels[i] = fmt.Sprintf("#%d-%d", b.Ranks[0], b.Ranks[1])
		}
		labels[i] += fmt.Sprintf(" (%d)", b.Calls)
	}
	bars, err := plotter.NewBarChart(values, vg.Points(40))
	if err != nil {
		return nil, err
	}
	bars.Color = chartBlue
	bars.LineStyle.Width = 0
	// Each bar's figure above it: the long tail's bar dwarfs the busiest
	// tenants', whose shares are still read.
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	xys := make(plotter.XYs, len(values))
	texts := make([]string, len(values))
	for i, v := range values {
		xys[i] = plotter.XY{X: float64(i), Y: v + top*0.02}
		texts[i] = fmt.Sprintf("%.3g%%", v)
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].XAlign = -0.5 // centred on the bar
	}
	p.Add(plotter.NewGrid(), bars, l)
	p.NominalX(labels...)
	p.Y.Min, p.Y.Max = 0, max(top*1.12, 0.1)
	return p, nil
}
