package dashboards

import (
	"encoding/json"
	"fmt"
)

// Target is one query of a dashboard panel, as the dashboard's JSON holds
// it.
type Target struct {
	// Panel is the title of the panel the query belongs to.
	Panel string
	// RefID names the query within its panel (A, B, …).
	RefID string
	// Expr is the PromQL, with the dashboard's variables unexpanded.
	Expr string
	// Instant is set for an instant query (a table's), unset for a range
	// query.
	Instant bool
	// Datasource is the uid of the datasource it queries.
	Datasource string
	// Legend names the query's series ("{{migration}} {{outcome}}").
	Legend string
}

// Variable is one template variable of a dashboard.
type Variable struct {
	Name, Query string
}

// jsonPanel is the part of a panel (or row) that holds queries.
type jsonPanel struct {
	Title       string      `json:"title"`
	Type        string      `json:"type"`
	Description string      `json:"description"`
	Panels      []jsonPanel `json:"panels"`
	Targets     []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Instant    bool   `json:"instant"`
		Legend     string `json:"legendFormat"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
}

type jsonDashboard struct {
	Panels     []jsonPanel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// Targets lists every query of every panel of a dashboard's JSON, panels
// of collapsed rows included, in layout order.
func Targets(data []byte) ([]Target, error) {
	var d jsonDashboard
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("dashboards: read a dashboard: %w", err)
	}
	var out []Target
	var walk func([]jsonPanel)
	walk = func(ps []jsonPanel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				out = append(out, Target{Panel: p.Title, RefID: t.RefID, Expr: t.Expr, Instant: t.Instant, Datasource: t.Datasource.UID, Legend: t.Legend})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out, nil
}

// Variables lists a dashboard's template variables and their queries.
func Variables(data []byte) ([]Variable, error) {
	var d jsonDashboard
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("dashboards: read a dashboard: %w", err)
	}
	var out []Variable
	for _, v := range d.Templating.List {
		q, _ := v.Query.(string)
		out = append(out, Variable{Name: v.Name, Query: q})
	}
	return out, nil
}

// Panel returns the queries of the panel titled title, in order.
func Panel(targets []Target, title string) []Target {
	var out []Target
	for _, t := range targets {
		if t.Panel == title {
			out = append(out, t)
		}
	}
	return out
}
