// The audit reads rendered objects through the shared manifest reader; its callers
// see those types as part of the audit's API.
@_exported import Manifests
