package s3store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ocimove/ocimove/internal/store/s3store"
)

func TestValidRegion(t *testing.T) {
	for _, r := range []string{"us-east-1", "ap-southeast-1", "us-gov-west-1", "cn-northwest-1", "eusc-de-east-1", "il-central-1"} {
		assert.True(t, s3store.ValidRegion(r), r)
	}
	for _, r := range []string{"", "useast1", "us-east", "US-EAST-1", "us_east_1", "us-ashburn", "us-east-1a"} {
		assert.False(t, s3store.ValidRegion(r), r)
	}
}
