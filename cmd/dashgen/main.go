// Command dashgen writes what internal/dashboards builds as code: the
// Grafana dashboard JSON that Grafana provisions from dashboards/, and the
// generated sections of docs/OBSERVABILITY.md (every panel and alert with
// the query it runs):
//
//	go run ./cmd/dashgen -out dashboards/ocimove-migrations.json \
//	    -rules deploy/prometheus/rules/ocimove-alerts.yml -doc docs/OBSERVABILITY.md
//
// `go generate ./internal/dashboards` runs it with those paths.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ocimove/ocimove/internal/dashboards"
)

func main() {
	out := flag.String("out", "dashboards/"+dashboards.MigrationsFile, "file to write the migrations dashboard to")
	rules := flag.String("rules", "deploy/prometheus/rules/ocimove-alerts.yml", "alert rules to document")
	doc := flag.String("doc", "docs/OBSERVABILITY.md", "document whose generated sections to rewrite (empty: none)")
	flag.Parse()
	if err := write(*out, *rules, *doc); err != nil {
		fmt.Fprintln(os.Stderr, "dashgen:", err)
		os.Exit(1)
	}
}

// write writes the dashboard's JSON to out and, when doc is set, the
// panels and the alerts of rules into doc's generated sections.
func write(out, rules, doc string) error {
	data, err := dashboards.MigrationsJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if doc == "" {
		return nil
	}
	text, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	rulesYAML, err := os.ReadFile(rules)
	if err != nil {
		return err
	}
	updated, err := dashboards.Document(string(text), data, rulesYAML)
	if err != nil {
		return err
	}
	return os.WriteFile(doc, []byte(updated), 0o644)
}
