package ocistore

// Exported for the black-box tests in package ocistore_test.
var (
	RegionFromHost = regionFromHost
	KnownRegion    = knownRegion
)
