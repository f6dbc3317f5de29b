package plan

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAllowedRegion(t *testing.T) {
	p := Example()
	for region, want := range map[string]bool{
		"us-ashburn-1": true, "IAD": true, "us-phoenix-1": true, "phx": true,
		"eu-frankfurt-1": false, "ap-singapore-1": false, "": false, "nowhere-1": false, "us-east-1": false,
	} {
		assert.Equal(t, want, p.AllowedRegion(region), "region %q", region)
	}
	assert.False(t, (&Plan{}).AllowedRegion("us-ashburn-1"), "no allowed regions allows nothing")
}

func TestCanonicalOCIRegion(t *testing.T) {
	r, ok := CanonicalOCIRegion(" FRA ")
	assert.True(t, ok)
	assert.Equal(t, "eu-frankfurt-1", r)
	r, ok = CanonicalOCIRegion("xx-nowhere-9")
	assert.False(t, ok)
	assert.Equal(t, "xx-nowhere-9", r)
}

func TestFiltersAdmit(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	f := Filters{
		Include: []string{"users/**/*.json", "users/*/avatar.png"},
		Exclude: []string{"**/tmp/**"},
		MinAge:  Duration(time.Hour),
		MaxAge:  Duration(30 * 24 * time.Hour),
	}
	old := start.Add(-48 * time.Hour)
	cases := []struct {
		key    string
		mod    time.Time
		ok     bool
		reason string
	}{
		{"users/3f/profile.json", old, true, ""},
		{"users/3f/a/b/c.json", old, true, ""},
		{"users/3f/avatar.png", old, true, ""},
		{"users/3f/a/avatar.png", old, false, ExcludedNotIncluded},
		{"users/3f/tmp/x.json", old, false, ExcludedByExclude},
		{"users/3f/new.json", start.Add(-time.Minute), false, ExcludedTooYoung},
		{"users/3f/ancient.json", start.Add(-60 * 24 * time.Hour), false, ExcludedTooOld},
	}
	for _, tc := range cases {
		ok, reason := f.Admit(tc.key, tc.mod, start)
		assert.Equal(t, tc.ok, ok, tc.key)
		assert.Equal(t, tc.reason, reason, tc.key)
	}
	ok, _ := Filters{}.Admit("anything", start, start)
	assert.True(t, ok, "no filters admit everything")
}

func TestDeltaSettled(t *testing.T) {
	assert.True(t, DeltaPolicy{}.Settled(DefaultThreshold))
	assert.False(t, DeltaPolicy{}.Settled(DefaultThreshold+1))
	zero := 0
	assert.True(t, DeltaPolicy{Threshold: &zero}.Settled(0))
	assert.False(t, DeltaPolicy{Threshold: &zero}.Settled(1))
}
