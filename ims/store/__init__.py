"""The image store: image files kept through Django's storage API (`STORAGES["images"]`).

A folder under `var/` by default, any S3-compatible object store by `IMAGE_STORE_URL`
(`ims.store.config`). Files stream in and out in chunks and are measured (size, MD5,
SHA-512) on the way in (`ims.store.files`); browser uploads go straight from the request
body into the store (`ims.store.uploads`).
"""
