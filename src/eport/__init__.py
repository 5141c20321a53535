"""E-Port identity authentication system (电子口岸身份认证系统)."""
