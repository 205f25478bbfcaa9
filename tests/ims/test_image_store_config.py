"""IMAGE_STORE_URL: one variable chooses the folder or an S3-compatible object store."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ims.store.config import image_storage

FOLDER = Path("/srv/console/var/image-store")


def test_empty_is_the_folder_under_var():
    assert image_storage("", folder=FOLDER) == {
        "BACKEND": "ims.store.backends.FileImageStorage",
        "OPTIONS": {"location": str(FOLDER), "base_url": None},
    }


def test_a_file_url_is_another_folder():
    entry = image_storage("file:///mnt/images%20big", folder=FOLDER)
    assert entry["OPTIONS"]["location"] == "/mnt/images big"


def test_an_s3_url_names_endpoint_bucket_prefix_credentials_and_region():
    entry = image_storage(
        "s3://AK%2B1:SK%2Fx@objects.example.com:8443/images/prod/eu?region=eu-de"
        "&addressing_style=virtual",
        folder=FOLDER,
    )
    assert entry["BACKEND"] == "ims.store.backends.S3ImageStorage"
    assert entry["OPTIONS"] == {
        "bucket_name": "images",
        "location": "prod/eu",
        "endpoint_url": "https://objects.example.com:8443",
        "file_overwrite": True,
        "access_key": "AK+1",
        "secret_key": "SK/x",
        "region_name": "eu-de",
        "addressing_style": "virtual",
    }


def test_s3_over_plain_http_and_without_credentials():
    options = image_storage("s3+http://127.0.0.1:9000/bucket", folder=FOLDER)["OPTIONS"]
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["location"] == ""
    assert "access_key" not in options


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/bucket",
        "s3://host-only",
        "s3:///bucket",
        "s3://host/bucket?colour=blue",
        "file://remote-host/path",
    ],
)
def test_a_url_it_cannot_use_stops_the_start_with_a_reason(url):
    with pytest.raises(ImproperlyConfigured, match="IMAGE_STORE_URL"):
        image_storage(url, folder=FOLDER)
