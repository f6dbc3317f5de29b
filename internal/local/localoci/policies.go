package localoci

import (
	"net/http"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
)

// Replication policies and retention rules are recorded and reported, so
// that a pre-flight can see them; they have no further effect here.

func replicationJSON(p replicationRecord) objectstorage.ReplicationPolicy {
	return objectstorage.ReplicationPolicy{
		Id:                    common.String(p.ID),
		Name:                  common.String(p.Name),
		DestinationRegionName: common.String(p.DestinationRegion),
		DestinationBucketName: common.String(p.DestinationBucket),
		TimeCreated:           &common.SDKTime{Time: p.Created},
		TimeLastSync:          &common.SDKTime{Time: p.Created},
		Status:                objectstorage.ReplicationPolicyStatusActive,
		StatusMessage:         common.String(""),
	}
}

func (s *Server) handleCreateReplication(w http.ResponseWriter, r *http.Request, bucket string) *apiError {
	var d objectstorage.CreateReplicationPolicyDetails
	if aerr := readJSON(r, &d); aerr != nil {
		return aerr
	}
	if d.Name == nil || *d.Name == "" || d.DestinationRegionName == nil || *d.DestinationRegionName == "" ||
		d.DestinationBucketName == nil || *d.DestinationBucketName == "" {
		return errf(http.StatusBadRequest, "MissingParameter", "name, destinationRegionName and destinationBucketName are required")
	}
	p := replicationRecord{
		ID:                newID(),
		Name:              *d.Name,
		DestinationRegion: *d.DestinationRegionName,
		DestinationBucket: *d.DestinationBucketName,
		Created:           s.now(),
	}
	if aerr := s.updateBucket(bucket, func(rec *bucketRecord) *apiError {
		for _, q := range rec.Replication {
			if q.Name == p.Name {
				return errf(http.StatusConflict, "ReplicationPolicyConflict", "A replication policy named '%s' already exists", p.Name)
			}
		}
		rec.Replication = append(rec.Replication, p)
		return nil
	}); aerr != nil {
		return aerr
	}
	return writeJSON(w, http.StatusOK, replicationJSON(p))
}

func (s *Server) handleListReplication(w http.ResponseWriter, _ *http.Request, bucket string) *apiError {
	rec, aerr := s.bucketRecordCopy(bucket)
	if aerr != nil {
		return aerr
	}
	out := []objectstorage.ReplicationPolicySummary{}
	for _, p := range rec.Replication {
		j := replicationJSON(p)
		out = append(out, objectstorage.ReplicationPolicySummary{
			Id: j.Id, Name: j.Name, DestinationRegionName: j.DestinationRegionName,
			DestinationBucketName: j.DestinationBucketName, TimeCreated: j.TimeCreated,
			TimeLastSync: j.TimeLastSync, Status: objectstorage.ReplicationPolicySummaryStatusActive,
			StatusMessage: j.StatusMessage,
		})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGetReplication(w http.ResponseWriter, bucket, id string) *apiError {
	rec, aerr := s.bucketRecordCopy(bucket)
	if aerr != nil {
		return aerr
	}
	for _, p := range rec.Replication {
		if p.ID == id {
			return writeJSON(w, http.StatusOK, replicationJSON(p))
		}
	}
	return errf(http.StatusNotFound, "NotFound", "The replication policy '%s' was not found in the bucket '%s'", id, bucket)
}

func (s *Server) handleDeleteReplication(w http.ResponseWriter, bucket, id string) *apiError {
	if aerr := s.updateBucket(bucket, func(rec *bucketRecord) *apiError {
		for i, p := range rec.Replication {
			if p.ID == id {
				rec.Replication = append(rec.Replication[:i], rec.Replication[i+1:]...)
				return nil
			}
		}
		return errf(http.StatusNotFound, "NotFound", "The replication policy '%s' was not found in the bucket '%s'", id, bucket)
	}); aerr != nil {
		return aerr
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func retentionJSON(p retentionRecord) objectstorage.RetentionRule {
	out := objectstorage.RetentionRule{
		Id:           common.String(p.ID),
		DisplayName:  common.String(p.DisplayName),
		Etag:         common.String(p.ETag),
		TimeCreated:  &common.SDKTime{Time: p.Created},
		TimeModified: &common.SDKTime{Time: p.Modified},
	}
	if p.TimeAmount != nil {
		out.Duration = &objectstorage.Duration{TimeAmount: p.TimeAmount, TimeUnit: objectstorage.DurationTimeUnitEnum(p.TimeUnit)}
	}
	if p.Locked != nil {
		out.TimeRuleLocked = &common.SDKTime{Time: *p.Locked}
	}
	return out
}

func (s *Server) handleCreateRetention(w http.ResponseWriter, r *http.Request, bucket string) *apiError {
	var d objectstorage.CreateRetentionRuleDetails
	if aerr := readJSON(r, &d); aerr != nil {
		return aerr
	}
	now := s.now()
	p := retentionRecord{ID: newID(), ETag: newID(), Created: now, Modified: now}
	if d.DisplayName != nil {
		p.DisplayName = *d.DisplayName
	}
	if d.Duration != nil {
		if d.Duration.TimeAmount == nil || *d.Duration.TimeAmount <= 0 {
			return errInvalid("duration.timeAmount must be a positive number")
		}
		if _, ok := objectstorage.GetMappingDurationTimeUnitEnum(string(d.Duration.TimeUnit)); !ok {
			return errInvalid("duration.timeUnit must be DAYS or YEARS")
		}
		p.TimeAmount = d.Duration.TimeAmount
		p.TimeUnit = string(d.Duration.TimeUnit)
	}
	if d.TimeRuleLocked != nil {
		t := d.TimeRuleLocked.Time.UTC()
		p.Locked = &t
	}
	if aerr := s.updateBucket(bucket, func(rec *bucketRecord) *apiError {
		rec.Retention = append(rec.Retention, p)
		return nil
	}); aerr != nil {
		return aerr
	}
	w.Header().Set("etag", p.ETag)
	return writeJSON(w, http.StatusOK, retentionJSON(p))
}

func (s *Server) handleListRetention(w http.ResponseWriter, _ *http.Request, bucket string) *apiError {
	rec, aerr := s.bucketRecordCopy(bucket)
	if aerr != nil {
		return aerr
	}
	out := objectstorage.RetentionRuleCollection{Items: []objectstorage.RetentionRuleSummary{}}
	for _, p := range rec.Retention {
		j := retentionJSON(p)
		out.Items = append(out.Items, objectstorage.RetentionRuleSummary{
			Id: j.Id, DisplayName: j.DisplayName, Etag: j.Etag, TimeCreated: j.TimeCreated,
			TimeModified: j.TimeModified, Duration: j.Duration, TimeRuleLocked: j.TimeRuleLocked,
		})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleGetRetention(w http.ResponseWriter, bucket, id string) *apiError {
	rec, aerr := s.bucketRecordCopy(bucket)
	if aerr != nil {
		return aerr
	}
	for _, p := range rec.Retention {
		if p.ID == id {
			w.Header().Set("etag", p.ETag)
			return writeJSON(w, http.StatusOK, retentionJSON(p))
		}
	}
	return errf(http.StatusNotFound, "NotFound", "The retention rule '%s' was not found in the bucket '%s'", id, bucket)
}

func (s *Server) handleDeleteRetention(w http.ResponseWriter, bucket, id string) *apiError {
	now := s.now()
	if aerr := s.updateBucket(bucket, func(rec *bucketRecord) *apiError {
		for i, p := range rec.Retention {
			if p.ID == id {
				if p.Locked != nil && !p.Locked.After(now) {
					return errf(http.StatusConflict, "Conflict", "The retention rule '%s' is locked and cannot be deleted", id)
				}
				rec.Retention = append(rec.Retention[:i], rec.Retention[i+1:]...)
				return nil
			}
		}
		return errf(http.StatusNotFound, "NotFound", "The retention rule '%s' was not found in the bucket '%s'", id, bucket)
	}); aerr != nil {
		return aerr
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
