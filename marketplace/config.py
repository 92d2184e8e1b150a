"""Settings: defaults, then the environment, then the overrides given to create_app.

The environment is read in two forms: the conventional names that hosting
platforms set (DATABASE_URL, REDIS_URL, SECRET_KEY) and MARKETPLACE_<KEY> for
everything else (MARKETPLACE_TOKEN_TTL_SECONDS=600), read as the type of the
setting's default: integers, booleans, comma-separated lists, JSON objects.

Production is the default: development behaviour (the published development
secret key, the development payment gateway, /dev routes) is had only by asking
for it with MARKETPLACE_ENV=development (as `make run` does) or test.
"""

import json
import os
import re
from typing import Any

ENVIRONMENTS = ("development", "test", "production")
# Where the development secret key, the development payment gateway and /dev routes exist.
DEVELOPMENT_ENVS = ("development", "test")
# Each payment gateway and the payment methods it can take.
PAYMENT_GATEWAYS: dict[str, tuple[str, ...]] = {
    "stripe": ("card", "alipay", "wechat_pay"),
    "alipay": ("alipay",),
    "dev": ("card", "alipay", "wechat_pay"),
    "wechatpay": ("wechat_pay",),
}
WECHATPAY_REQUIRED = (
    "WECHATPAY_MCHID",
    "WECHATPAY_APPID",
    "WECHATPAY_PRIVATE_KEY_FILE",
    "WECHATPAY_CERT_SERIAL_NO",
    "WECHATPAY_APIV3_KEY",
)
ALIPAY_KEYS = ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY", "ALIPAY_NOTIFY_URL")
DEV_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the app refuses to start."""


DEFAULTS: dict[str, Any] = {
    "ENV": "production",
    "LOG_LEVEL": "INFO",
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "REDIS_URL": None,
    "TOKEN_TTL_SECONDS": 3600,
    # Sign-ins per account from one address; also registrations per address, and password changes
    # per address and per token.
    "LOGIN_RATE_LIMIT": "10 per minute",
    # Sign-ins per address whatever the account: looser, as everyone in an office may share one.
    "LOGIN_ADDRESS_RATE_LIMIT": "60 per minute",
    # Sign-ins per account from addresses it has not signed in from within SIGN_IN_ADDRESS_DAYS: a
    # guesser spread over many addresses. It never counts at the owner's own addresses, so it cannot
    # lock the owner out there.
    "LOGIN_ACCOUNT_RATE_LIMIT": "30 per hour",
    "SIGN_IN_ADDRESS_DAYS": 90,
    # Reverse proxies in front of the app whose X-Forwarded-For is believed (0: the peer's address
    # is the client's). Set it to the number of proxies, or every client shares the proxy's limits.
    "TRUSTED_PROXY_HOPS": 0,
    # Mail sent on a caller's request (verification, password reset), per account or address, and
    # invitations per inviter: each one mails a stranger, so fewer than logins.
    "MAIL_RATE_LIMIT": "5 per hour",
    "INVITE_RATE_LIMIT": "60 per hour",
    # Links in mail: an email-verification link lives two days, a password-reset link one hour (and
    # dies once used or with any password change), an invitation two weeks.
    "EMAIL_VERIFICATION_TTL_SECONDS": 2 * 24 * 3600,
    "PASSWORD_RESET_TTL_SECONDS": 3600,
    "INVITATION_TTL_DAYS": 14,
    # The web app's build (web/ `npm run build`), served at /: the checkout's web/dist when None.
    "WEB_DIST": None,
    # Where links in mail lead: the web app.
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    # Mail: "smtp" (production, where MAIL_SMTP_HOST is required) or "file" (.eml files in MAIL_DIR,
    # instance/mail by default). MAIL_SMTP_SECURITY is "starttls", "ssl" or "none".
    "MAIL_BACKEND": "file",
    "MAIL_DIR": None,
    "MAIL_FROM": "消费帮扶平台 <noreply@marketplace.localhost>",
    "MAIL_SMTP_HOST": None,
    "MAIL_SMTP_PORT": 587,
    "MAIL_SMTP_USERNAME": None,
    "MAIL_SMTP_PASSWORD": None,
    "MAIL_SMTP_SECURITY": "starttls",
    "MAIL_SMTP_TIMEOUT_SECONDS": 10,
    # SMS (notifications to those who turn it on): "aliyun" (Aliyun SMS, 短信服务), "record" (kept in
    # the process and logged, sending nothing: development and test only) or "off" (no SMS channel).
    # Unset: "record" in development and test, "off" in production. Aliyun sends only templates it
    # approved: SMS_ALIYUN_TEMPLATES maps each notification kind to its template code, e.g.
    # '{"order_received": "SMS_480215001"}' (marketplace/notifications/sms.py has their texts).
    "SMS_PROVIDER": None,
    "SMS_ALIYUN_ACCESS_KEY_ID": None,
    "SMS_ALIYUN_ACCESS_KEY_SECRET": None,
    "SMS_ALIYUN_SIGN_NAME": None,
    "SMS_ALIYUN_TEMPLATES": {},
    "SMS_ALIYUN_ENDPOINT": "dysmsapi.aliyuncs.com",
    "SMS_ALIYUN_PROTOCOL": "https",
    "SMS_TIMEOUT_SECONDS": 10,
    "RATELIMIT_KEY_PREFIX": "marketplace",
    # argon2id; OWASP's minimum is m=19 MiB, t=2. Tests lower it for speed.
    "ARGON2_TIME_COST": 2,
    "ARGON2_MEMORY_COST_KIB": 19456,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    # A PostgreSQL server that stops answering fails a request in this many seconds (503), rather
    # than holding a web worker until gunicorn kills it.
    "DATABASE_CONNECT_TIMEOUT_SECONDS": 5,
    # A task a worker took and never acknowledged (the worker was killed) is handed to another
    # worker after this long. Longer than any retry countdown (600 s), or a waiting retry would be
    # handed out twice.
    "TASK_VISIBILITY_TIMEOUT_SECONDS": 900,
    # The beat schedule run by the serving process itself (workers/in_process.py), on the embedded
    # default only (with REDIS_URL, `celery -A workers beat` runs it): `make run` turns it on. When
    # each entry last ran is kept in SCHEDULE_FILE (instance/schedule by default); the schedule is
    # looked at again at least every SCHEDULE_TICK_SECONDS.
    "SCHEDULE_IN_PROCESS": False,
    "SCHEDULE_FILE": None,
    "SCHEDULE_TICK_SECONDS": 30,
    # Browser origins allowed to call the API (comma-separated in MARKETPLACE_CORS_ORIGINS); none
    # by default: a web front end on another origin is listed here explicitly.
    "CORS_ORIGINS": [],
    # After-sales photos, kept as they are sent.
    "IMAGE_MAX_BYTES": 2 * 1024 * 1024,
    # Product photos come straight from a phone (a 12-megapixel JPEG is 3-8 MiB): taken up to this
    # size and pixel count (a decompression bomb is refused before it is decoded), then stored
    # scaled to a long edge of PRODUCT_IMAGE_EDGE pixels, with a thumbnail of PRODUCT_THUMBNAIL_EDGE.
    "PRODUCT_IMAGE_MAX_BYTES": 15 * 1024 * 1024,
    "PRODUCT_IMAGE_MAX_PIXELS": 50_000_000,
    "PRODUCT_IMAGE_EDGE": 1600,
    "PRODUCT_THUMBNAIL_EDGE": 400,
    "IMAGES_PER_PRODUCT": 8,
    "CATALOG_CACHE_SECONDS": 60,
    # GET /health checks the services at most this often per process; checks in between are
    # answered from the last report (0: every check checks).
    "HEALTH_CHECK_SECONDS": 1,
    # Regions, pairings and categories are served as prepared bytes under a version read from the
    # database at most once per this many seconds per process (a change, about once a year, is seen
    # within them; no round trip on the other requests), or for every request (0).
    "REFERENCE_VERSION_SECONDS": 1,
    "CATALOG_CACHED_PAGES": 3,
    # The response cache holds at most this much: per process in memory, per namespace in Redis.
    "CACHE_MAX_BYTES": 32 * 1024 * 1024,
    # Where product images and ledger reports are kept: UPLOAD_DIR (instance/uploads when unset) on
    # local disk, or an S3-compatible object store when STORAGE_URL reads s3://bucket[/prefix].
    # Credentials are boto3's own (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws, a role).
    "UPLOAD_DIR": None,
    "STORAGE_URL": None,
    # The store's endpoint for other than AWS (MinIO, Aliyun OSS, Tencent COS), e.g.
    # https://oss-cn-hangzhou.aliyuncs.com; its region; "path" or "virtual" bucket addressing
    # ("auto": boto3 chooses; MinIO wants "path", OSS "virtual").
    "S3_ENDPOINT_URL": None,
    "S3_REGION": None,
    "S3_ADDRESSING_STYLE": "auto",
    # Each call to the store gives up after this long (connect, then each read), then answers 503.
    "S3_TIMEOUT_SECONDS": 5,
    # The default rule of 帮扶产品认定 for a province that has no certification rule of its own
    # (admins set those through the API): review stages (region level of each reviewer) and
    # public-notice days. Municipalities have no city level: the municipality approves.
    "CERTIFICATION_STAGES": {
        "default": ["county", "city"],
        "110000": ["county", "province"],
        "120000": ["county", "province"],
        "310000": ["county", "province"],
        "500000": ["county", "province"],
    },
    "CERTIFICATION_NOTICE_DAYS": 7,
    # Payments: "stripe", or "dev" (the development gateway, development and test only). Unset, it is
    # "stripe" whenever STRIPE_SECRET_KEY is set, in any environment, and "dev" otherwise.
    "PAYMENT_GATEWAY": None,
    # The payment methods the shop offers and the gateway each goes through, {method: gateway}, e.g.
    # MARKETPLACE_PAYMENT_METHODS='{"card": "stripe", "wechat_pay": "wechatpay"}'. Empty: every
    # method PAYMENT_GATEWAY takes, through it.
    "PAYMENT_METHODS": {},
    "STRIPE_SECRET_KEY": None,
    "STRIPE_WEBHOOK_SECRET": None,
    # Stripe.js needs it on the payment page (the Payment Element); it is public, sent to browsers.
    "STRIPE_PUBLISHABLE_KEY": None,
    "STRIPE_API_BASE": None,
    "STRIPE_TIMEOUT_SECONDS": 10,
    # WeChat Pay API v3, a direct merchant: its 商户号 and AppID, the merchant API certificate's
    # private key (apiclient_key.pem, a file) and serial number, the APIv3 key (32 characters). The
    # platform's signatures are verified against its certificates, fetched and kept in CERT_DIR, or
    # against its public key (PUBLIC_KEY_FILE and PUBLIC_KEY_ID) for merchants WeChat Pay gave one.
    # Notifications come to NOTIFY_URL (PUBLIC_BASE_URL's /api/v1/webhooks/wechat-pay by default).
    "WECHATPAY_MCHID": None,
    "WECHATPAY_APPID": None,
    "WECHATPAY_PRIVATE_KEY_FILE": None,
    "WECHATPAY_CERT_SERIAL_NO": None,
    "WECHATPAY_APIV3_KEY": None,
    "WECHATPAY_CERT_DIR": None,
    "WECHATPAY_PUBLIC_KEY_FILE": None,
    "WECHATPAY_PUBLIC_KEY_ID": None,
    "WECHATPAY_NOTIFY_URL": None,
    "WECHATPAY_API_BASE": "https://api.mch.weixin.qq.com",
    "WECHATPAY_TIMEOUT_SECONDS": 10,
    # Alipay (支付宝): the app's id, its RSA2 private key and Alipay's public key (PEM), the address
    # Alipay posts its notifications to (…/api/v1/webhooks/alipay) and where the buyer returns after
    # paying (unset: PUBLIC_BASE_URL's result page of the order, /orders/<id>/result); the gateway is
    # Alipay's unless pointed elsewhere (a sandbox, the tests' server).
    "ALIPAY_APP_ID": None,
    "ALIPAY_APP_PRIVATE_KEY": None,
    "ALIPAY_PUBLIC_KEY": None,
    "ALIPAY_NOTIFY_URL": None,
    "ALIPAY_RETURN_URL": None,
    "ALIPAY_GATEWAY_URL": "https://openapi.alipay.com/gateway.do",
    "ALIPAY_TIMEOUT_SECONDS": 10,
    "RESERVATION_MINUTES": 30,
    # An Idempotency-Key's first answer is replayed for this long (Stripe keeps its keys as long),
    # then forgotten: the key may be used again, and beat purges the records hourly.
    "IDEMPOTENCY_KEY_HOURS": 24,
    # What one buyer may hold without paying, so that no unpaid order (or string of them, placed
    # again each time they expire) keeps a product off the shelf. Farm products sell by the box or
    # bag: a household's order is a few boxes, a gift round a few orders (one address each), and an
    # institution buying more uses a purchase order. So: at most 3 orders awaiting payment at once;
    # of one product, at most 50 units and at most half of its stock (never less than one unit, so
    # the last box still sells) in a buyer's unpaid orders together.
    "ORDER_MAX_UNPAID_PER_BUYER": 3,
    "ORDER_HOLD_MAX_UNITS": 50,
    "ORDER_HOLD_MAX_SHARE_BP": 5000,
    # The reserved share of canteen food budgets for assisted areas, in basis points, per province
    # (national minimum 10% under 财库〔2021〕19号; some provinces require more).
    "RESERVED_SHARE_MIN_BP": {"default": 1000},
    # Trade unions: at least this share of holiday-gift funds to the paired area.
    "UNION_GIFT_SHARE_MIN_BP": 3000,
    # Purchase-order line imports (XLSX or CSV).
    "IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 20_000,
    "IMPORT_MAX_UNZIPPED_BYTES": 50 * 1024 * 1024,
    # The work one import may cause, whatever its declared dimension: columns an import may use,
    # characters in one cell, and XML elements in a workbook (a full 20,000-row sheet of five
    # columns needs about 260,000; they are counted from the raw bytes, so a workbook past the
    # bound is refused in well under a second).
    "IMPORT_MAX_COLUMNS": 50,
    "IMPORT_MAX_CELL_CHARS": 1000,
    "IMPORT_MAX_XML_ELEMENTS": 400_000,
    # An import's job tells its progress every this many rows read; a job not heard from for this
    # long (its worker died) no longer holds the order against another import.
    "IMPORT_PROGRESS_ROWS": 500,
    "IMPORT_STALE_SECONDS": 900,
    "CERTIFICATION_VALID_DAYS": 730,
    # Alerts: a product with stock (or a harvest due) and no sale for this many days is unsold (滞销);
    # a web payment or refund still pending after this many hours, or a purchase order invoiced and
    # unpaid after this many days, was never reconciled.
    "UNSOLD_AFTER_DAYS": 30,
    "UNSOLD_HARVEST_WITHIN_DAYS": 30,
    "UNRECONCILED_AFTER_HOURS": 48,
    "UNPAID_INVOICE_AFTER_DAYS": 30,
    "API_TITLE": "消费帮扶平台 (consumption-assistance marketplace)",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    # Swagger UI at /api/docs, with its files served by the app itself (marketplace/apidocs): on in
    # every environment, production too, unless switched off (MARKETPLACE_API_DOCS_ENABLED=false:
    # then /api/docs is a 404, and /api/openapi.json is still served). No validator badge: it would
    # send the document to validator.swagger.io.
    "API_DOCS_ENABLED": True,
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_CONFIG": {"validatorUrl": None, "displayOperationId": True},
    "JSON_SORT_KEYS": False,
}

MAIL_SECURITY = ("starttls", "ssl", "none")
SMS_PROVIDERS = ("aliyun", "record", "off")
SMS_ALIYUN_REQUIRED = (
    "SMS_ALIYUN_ACCESS_KEY_ID",
    "SMS_ALIYUN_ACCESS_KEY_SECRET",
    "SMS_ALIYUN_SIGN_NAME",
    "SMS_ALIYUN_TEMPLATES",
)
CONVENTIONAL_NAMES = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PUBLISHABLE_KEY",
)


def sqlalchemy_url(url: str) -> str:
    """Point plain postgresql:// URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def from_environment(key: str, value: str) -> Any:
    """MARKETPLACE_<key>'s value as the type of the setting's default; a string for settings whose
    default is None (or that have none)."""
    default = DEFAULTS.get(key)
    name = f"MARKETPLACE_{key}"
    if isinstance(default, bool):
        if value.strip().lower() not in TRUE + FALSE:
            raise ConfigError(f"{name} must be one of {TRUE + FALSE}, not {value!r}")
        return value.strip().lower() in TRUE
    if isinstance(default, int):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{name} must be an integer, not {value!r}") from None
    if isinstance(default, list):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(default, dict):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise ConfigError(f"{name} must be a JSON object, not {value!r}")
        return parsed
    return value


def _payment_gateways_in_use(settings: dict[str, Any]) -> set[str]:
    """The gateways the offered payment methods go through, each method checked against its gateway."""
    gateway = settings["PAYMENT_GATEWAY"]
    if gateway not in PAYMENT_GATEWAYS:
        raise ConfigError(
            f"MARKETPLACE_PAYMENT_GATEWAY must be one of {tuple(PAYMENT_GATEWAYS)}, not {gateway!r}"
        )
    methods = settings["PAYMENT_METHODS"] or dict.fromkeys(PAYMENT_GATEWAYS[gateway], gateway)
    for method, name in methods.items():
        if name not in PAYMENT_GATEWAYS:
            raise ConfigError(
                f"MARKETPLACE_PAYMENT_METHODS: {method!r} goes through {name!r}, which is not one of "
                f"{tuple(PAYMENT_GATEWAYS)}"
            )
        if method not in PAYMENT_GATEWAYS[name]:
            raise ConfigError(
                f"MARKETPLACE_PAYMENT_METHODS: the {name} gateway does not take {method!r}; it takes "
                f"{PAYMENT_GATEWAYS[name]}"
            )
    return set(methods.values())


def _check_sms(settings: dict[str, Any]) -> None:
    if not settings["SMS_PROVIDER"]:
        settings["SMS_PROVIDER"] = "record" if settings["ENV"] in DEVELOPMENT_ENVS else "off"
    provider = settings["SMS_PROVIDER"]
    if provider not in SMS_PROVIDERS:
        raise ConfigError(f"MARKETPLACE_SMS_PROVIDER must be one of {SMS_PROVIDERS}, not {provider!r}")
    if provider == "record" and settings["ENV"] not in DEVELOPMENT_ENVS:
        raise ConfigError("The recording SMS provider sends nothing: it is refused in production")
    if provider == "aliyun":
        missing = [k for k in SMS_ALIYUN_REQUIRED if not settings[k]]
        if missing:
            raise ConfigError(f"Aliyun SMS needs {', '.join('MARKETPLACE_' + k for k in missing)}")
    if settings["SMS_ALIYUN_PROTOCOL"] not in ("https", "http"):
        raise ConfigError("MARKETPLACE_SMS_ALIYUN_PROTOCOL must be https (or http, for a local test server)")


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = dict(DEFAULTS)
    for key in CONVENTIONAL_NAMES:
        if os.environ.get(key):
            settings[key] = os.environ[key]
    prefix = "MARKETPLACE_"
    for name, value in os.environ.items():
        if name.startswith(prefix):
            key = name[len(prefix) :]
            settings[key] = from_environment(key, value)
    settings.update(overrides or {})

    env = settings["ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"MARKETPLACE_ENV must be one of {ENVIRONMENTS}, not {env!r}")
    if not settings["PAYMENT_GATEWAY"]:
        settings["PAYMENT_GATEWAY"] = "stripe" if settings["STRIPE_SECRET_KEY"] else "dev"
    in_use = _payment_gateways_in_use(settings)
    if "stripe" in in_use and not settings["STRIPE_SECRET_KEY"]:
        raise ConfigError("The stripe payment gateway needs STRIPE_SECRET_KEY")
    if "wechatpay" in in_use:
        missing = [k for k in WECHATPAY_REQUIRED if not settings[k]]
        if missing:
            raise ConfigError(f"WeChat Pay needs {', '.join('MARKETPLACE_' + k for k in missing)}")
        if len(settings["WECHATPAY_APIV3_KEY"]) != 32:
            raise ConfigError("MARKETPLACE_WECHATPAY_APIV3_KEY is WeChat Pay's 32-character APIv3 key")
    if "alipay" in in_use and not all(settings[key] for key in ALIPAY_KEYS):
        raise ConfigError(f"The alipay payment gateway needs {', '.join(ALIPAY_KEYS)}")
    if env == "production":
        if not settings["SECRET_KEY"] or settings["SECRET_KEY"] == DEV_SECRET_KEY:
            raise ConfigError("SECRET_KEY must be set in production, from the environment")
        if not settings["DATABASE_URL"]:
            raise ConfigError("DATABASE_URL must be set in production (PostgreSQL)")
        if "dev" in in_use:
            raise ConfigError(
                "The development payment gateway is refused in production: set STRIPE_SECRET_KEY"
                " or MARKETPLACE_PAYMENT_METHODS"
            )
        if "stripe" in in_use and not settings["STRIPE_WEBHOOK_SECRET"]:
            raise ConfigError("STRIPE_WEBHOOK_SECRET must be set in production")
        # Mail proves who owns an address: in production it goes out by SMTP, never to a folder.
        settings["MAIL_BACKEND"] = "smtp"
        # The development defaults of the sender and of the links' base would be wrong there.
        missing = [
            k
            for k in ("MAIL_SMTP_HOST", "MAIL_FROM", "PUBLIC_BASE_URL")
            if not settings[k] or settings[k] == DEFAULTS[k]
        ]
        if missing:
            raise ConfigError(f"Mail needs {', '.join('MARKETPLACE_' + k for k in missing)} in production")
    _check_sms(settings)
    if settings["MAIL_BACKEND"] not in ("smtp", "file"):
        raise ConfigError(f"MARKETPLACE_MAIL_BACKEND must be smtp or file, not {settings['MAIL_BACKEND']!r}")
    if settings["MAIL_SMTP_SECURITY"] not in MAIL_SECURITY:
        raise ConfigError(f"MARKETPLACE_MAIL_SMTP_SECURITY must be one of {MAIL_SECURITY}")
    storage_url = settings["STORAGE_URL"]
    if storage_url and not re.match(r"^s3://[^/]+(/.*)?$", storage_url):
        raise ConfigError(f"MARKETPLACE_STORAGE_URL must read s3://bucket[/prefix], not {storage_url!r}")
    if settings["S3_ADDRESSING_STYLE"] not in ("auto", "path", "virtual"):
        raise ConfigError("MARKETPLACE_S3_ADDRESSING_STYLE must be auto, path or virtual")
    if settings["TRUSTED_PROXY_HOPS"] < 0:
        raise ConfigError("MARKETPLACE_TRUSTED_PROXY_HOPS is a number of proxies, 0 or more")
    settings["SECRET_KEY"] = settings["SECRET_KEY"] or DEV_SECRET_KEY
    settings["DATABASE_URL"] = settings["DATABASE_URL"] or (
        "sqlite:///" + os.path.join(instance_path, "marketplace.db")
    )
    settings["SQLALCHEMY_DATABASE_URI"] = sqlalchemy_url(settings["DATABASE_URL"])
    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        engine_options["connect_args"] = {"connect_timeout": settings["DATABASE_CONNECT_TIMEOUT_SECONDS"]}
    settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)
    redis_url = settings["REDIS_URL"]
    settings["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    settings["CELERY"] = {
        "broker_url": redis_url or "memory://",
        "result_backend": redis_url,
        # Without Redis (the embedded default) tasks run in-process.
        "task_always_eager": redis_url is None,
        "task_eager_propagates": True,
        "task_ignore_result": True,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": settings["TASK_VISIBILITY_TIMEOUT_SECONDS"]},
        **settings.get("CELERY", {}),
    }
    return settings
