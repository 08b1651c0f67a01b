"""The portal's pages: lists, details, forms, bulk actions, secret keys, usage, i18n."""
