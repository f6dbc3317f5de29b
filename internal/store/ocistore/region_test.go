package ocistore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/ocistore"
)

func TestRegionOfLocalEndpointComesFromItsResponses(t *testing.T) {
	e := newEnv(t)
	var r store.Regioner = e.st
	assert.Equal(t, testRegion, r.Region())
}

func TestRegionFromHost(t *testing.T) {
	for endpoint, want := range map[string]string{
		"https://objectstorage.eu-frankfurt-1.oraclecloud.com":                      "eu-frankfurt-1",
		"objectstorage.us-ashburn-1.oraclecloud.com":                                "us-ashburn-1",
		"https://objectstorage.ap-singapore-1.oraclecloud.com:443/":                 "ap-singapore-1",
		"https://mynamespace.objectstorage.eu-zurich-1.oci.customer-oci.com":        "eu-zurich-1",
		"https://objectstorage.me-jeddah-1.oci.customer-oci.com":                    "me-jeddah-1",
		"https://{namespaceName+Dot}objectstorage.uk-london-1.oci.customer-oci.com": "uk-london-1",
		"https://objectstorage.us-langley-1.oraclegovcloud.com":                     "us-langley-1",
		"https://objectstorage.fra.oraclecloud.com":                                 "eu-frankfurt-1",
		// Not OCI hosts, or not a region: unknown.
		"http://127.0.0.1:9100":                                         "",
		"https://objectstorage.mars-north-1.oraclecloud.com":            "",
		"https://objectstorage.eu-frankfurt-1.example.com":              "",
		"https://evil.com/objectstorage.eu-frankfurt-1.oraclecloud.com": "",
		"https://objectstorage.eu-frankfurt-1.oraclecloud.com.evil.com": "",
	} {
		assert.Equal(t, want, ocistore.RegionFromHost(endpoint), endpoint)
	}
}

func TestKnownRegion(t *testing.T) {
	assert.True(t, ocistore.KnownRegion("eu-frankfurt-1"))
	assert.True(t, ocistore.KnownRegion("iad"))
	assert.False(t, ocistore.KnownRegion("mars-north-1"))
	assert.False(t, ocistore.KnownRegion(""))
}
