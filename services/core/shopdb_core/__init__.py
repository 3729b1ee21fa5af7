"""ShopDB core service."""
