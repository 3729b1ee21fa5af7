"""ShopDB equipment: machine tools as core assets of type `equipment` plus their details."""
