package plan

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary documents to the plan parser. Properties: it
// never panics; garbage gives an error wrapping ErrInvalid (a clear,
// located problem), never a nil plan without an error; and a plan that
// parses round-trips: its canonical JSON and its YAML rendering parse back
// to a plan with the same fingerprint.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"testdata", filepath.Join("..", "..", "examples")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	if y, err := FormatYAML(Example()); err == nil {
		f.Add(y)
	}
	f.Add([]byte("id: x\n"))
	f.Add([]byte("{}"))
	f.Add([]byte("[1, 2"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			if p != nil {
				t.Fatalf("an error with a plan: %v", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("a parse error that does not wrap ErrInvalid: %T %v", err, err)
			}
			return
		}
		if p == nil {
			t.Fatal("no plan and no error")
		}
		fp := p.Fingerprint()
		js, err := p.CanonicalJSON()
		if err != nil {
			t.Fatalf("canonical JSON of a parsed plan: %v", err)
		}
		q, err := Parse("canonical.json", js)
		if err != nil {
			t.Fatalf("the canonical JSON of a parsed plan does not parse: %v\n%s", err, js)
		}
		if q.Fingerprint() != fp {
			t.Fatalf("fingerprint changed through canonical JSON: %s != %s\n%s", q.Fingerprint(), fp, js)
		}
		y, err := FormatYAML(p)
		if err != nil {
			t.Fatalf("YAML of a parsed plan: %v", err)
		}
		r, err := Parse("formatted.yaml", y)
		if err != nil {
			t.Fatalf("the YAML rendering of a parsed plan does not parse: %v\n%s", err, y)
		}
		if r.Fingerprint() != fp {
			t.Fatalf("fingerprint changed through YAML: %s != %s\n%s", r.Fingerprint(), fp, y)
		}
	})
}
