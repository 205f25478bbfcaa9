"""IMS views: shared (Images Shared with Me), private (owner side and Public Images), ..."""
