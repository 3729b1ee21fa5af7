"""ShopDB computers: PCs as core assets plus their details, kept current by collectors."""
