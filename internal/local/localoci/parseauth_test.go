package localoci

import (
	"net/http"
	"testing"
)

// TestRepeatedSignatureParameterIsRejected: an SDK-signed request
// authenticates, and the same request with a second keyId, before or
// after the signed one, does not.
func TestRepeatedSignatureParameterIsRejected(t *testing.T) {
	fx, err := newSignedFixture()
	if err != nil {
		t.Fatalf("sign requests with the OCI SDK: %v", err)
	}
	g := fx.reqs[0]
	r := fx.request(g.method, g.uri, g.host, g.date, g.keyID, g.headers, g.sig)
	if aerr := fx.srv.authenticate(r); aerr != nil {
		t.Fatalf("the control: the SDK-signed request does not authenticate: %v", aerr)
	}
	auth := r.Header.Get("Authorization")
	for _, v := range []string{auth + `,keyId="ocid1.tenancy.oc1..other/ocid1.user.oc1..other/00:11"`,
		`Signature keyId="ocid1.tenancy.oc1..other/ocid1.user.oc1..other/00:11",` + auth[len("Signature "):]} {
		r.Header.Set("Authorization", v)
		aerr := fx.srv.authenticate(r)
		if aerr == nil || aerr.Status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: got %v, want 401", v, aerr)
		}
	}
}
