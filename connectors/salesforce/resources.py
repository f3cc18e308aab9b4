"""Endpoint facts of the Salesforce REST API, as data (backoffice-apis.md section 1)."""

from __future__ import annotations

TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a path, not a secret
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME_S = 180  # simple-salesforce uses 3 minutes too
COLLECTIONS_PATH = "composite/sobjects"
COLLECTION_MAX = 200  # records per sObject Collections call
# Custom External ID (Unique) text field every synced object needs in the org.
EXTERNAL_ID_FIELD = "Storebridge_Id__c"
# Per-record status codes of Collections results that mean "this record exists already".
NOT_UPDATEABLE = "INVALID_FIELD_FOR_INSERT_UPDATE"
SOQL_IN_CHUNK = 200  # values per `IN (...)` clause keeps queries far below the 100k-char limit
