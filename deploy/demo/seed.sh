#!/bin/sh
# Writes the demo's sample user data to the local S3 endpoint's bucket
# "src": per shard users/0N/, JSON profiles and avatars of 1–8 KiB, and one
# 24 MiB archive in users/00/ that goes multipart. Run by the demo-seed
# service of docker-compose.yml (the "local" profile) with the AWS CLI.
set -eu

: "${S3_ENDPOINT:?}"
OBJECTS_PER_SHARD=${OBJECTS_PER_SHARD:-400}
dir=$(mktemp -d)
aws configure set default.s3.addressing_style path

for shard in 0 1 2 3 4 5 6 7; do
  i=0
  while [ "$i" -lt "$OBJECTS_PER_SHARD" ]; do
    user=$(printf 'users/%02d/user-%05d' "$shard" $((i / 2)))
    mkdir -p "$dir/$user"
    size=$((1024 + (i * 7919 + shard * 104729) % 7168))
    if [ $((i % 2)) -eq 0 ]; then
      head -c "$size" /dev/urandom | base64 > "$dir/$user/profile.json"
    else
      head -c "$size" /dev/urandom > "$dir/$user/avatar.png"
    fi
    i=$((i + 1))
  done
done
head -c $((24 * 1024 * 1024)) /dev/urandom > "$dir/users/00/user-00000/export-archive.tar"

aws --endpoint-url "$S3_ENDPOINT" s3 cp --recursive --only-show-errors "$dir/" s3://src/
echo "seeded $(find "$dir" -type f | wc -l) objects into s3://src"
