package dashboards

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
)

// PanelsMarkdown lists a dashboard's panels, row by row, each with its
// description and the queries it runs, for docs/OBSERVABILITY.md.
func PanelsMarkdown(data []byte) (string, error) {
	var d jsonDashboard
	if err := json.Unmarshal(data, &d); err != nil {
		return "", fmt.Errorf("dashboards: read a dashboard: %w", err)
	}
	var b strings.Builder
	var write func([]jsonPanel)
	write = func(ps []jsonPanel) {
		for _, p := range ps {
			if p.Type == "row" {
				fmt.Fprintf(&b, "### %s\n\n", p.Title)
				write(p.Panels)
				continue
			}
			fmt.Fprintf(&b, "#### %s (%s)\n\n%s\n\n```promql\n", p.Title, p.Type, p.Description)
			for _, t := range p.Targets {
				kind := "range"
				if t.Instant {
					kind = "instant"
				}
				fmt.Fprintf(&b, "# %s (%s)\n%s\n", t.RefID, kind, t.Expr)
			}
			b.WriteString("```\n\n")
		}
	}
	write(d.Panels)
	return strings.TrimRight(b.String(), "\n") + "\n", nil
}

// RuleGroup is one group of a Prometheus rule file.
type RuleGroup struct {
	Name  string `yaml:"name"`
	Rules []Rule `yaml:"rules"`
}

// Rule is one alert rule of a Prometheus rule file.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// ParseRules reads a Prometheus rule file's groups.
func ParseRules(rules []byte) ([]RuleGroup, error) {
	var f struct {
		Groups []RuleGroup `yaml:"groups"`
	}
	if err := yaml.Unmarshal(rules, &f); err != nil {
		return nil, fmt.Errorf("dashboards: read the alert rules: %w", err)
	}
	return f.Groups, nil
}

// AlertExprs returns a rule file's alert expressions by alert name.
func AlertExprs(rules []byte) (map[string]string, error) {
	groups, err := ParseRules(rules)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, g := range groups {
		for _, r := range g.Rules {
			out[r.Alert] = r.Expr
		}
	}
	return out, nil
}

// AlertsMarkdown lists the alert rules of a Prometheus rule file, group by
// group, each with its severity, how long it must hold, its query, its
// summary and what to do, for docs/OBSERVABILITY.md.
func AlertsMarkdown(rules []byte) (string, error) {
	groups, err := ParseRules(rules)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, g := range groups {
		fmt.Fprintf(&b, "### %s\n\n", g.Name)
		for _, r := range g.Rules {
			hold := "at once"
			if r.For != "" {
				hold = "for " + r.For
			}
			fmt.Fprintf(&b, "#### %s (%s, %s)\n\n%s\n\n```promql\n%s\n```\n\n**What to do:** %s\n\n",
				r.Alert, r.Labels["severity"], hold, r.Annotations["summary"], strings.TrimSpace(r.Expr), r.Annotations["description"])
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n", nil
}

// UpdateSection returns doc with the text between the markers
// `<!-- generated: name -->` and `<!-- end: name -->` replaced by content.
func UpdateSection(doc, name, content string) (string, error) {
	begin, end := "<!-- generated: "+name+" -->\n", "<!-- end: "+name+" -->"
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("dashboards: the document has no section %q (%s … %s)", name, strings.TrimSpace(begin), end)
	}
	return doc[:i+len(begin)] + "\n" + content + "\n" + doc[j:], nil
}

// Document returns doc with its generated sections "panels" and "alerts"
// rewritten from a dashboard's JSON and a rule file.
func Document(doc string, dashboard, rules []byte) (string, error) {
	panels, err := PanelsMarkdown(dashboard)
	if err != nil {
		return "", err
	}
	alerts, err := AlertsMarkdown(rules)
	if err != nil {
		return "", err
	}
	if doc, err = UpdateSection(doc, "panels", panels); err != nil {
		return "", err
	}
	return UpdateSection(doc, "alerts", alerts)
}
