"""Catalog and providers: SMM services with their margins, bulk enable/disable; OTP services' and accounts
products' price and status; providers with status, enable/disable and their balance, added, edited,
imported from and synced."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from flashpanel.accounts import catalog as accounts_catalog
from flashpanel.admin import catalog, catalog_edit, catalog_otp, catalog_prices, stock
from flashpanel.admin import providers as admin_providers
from flashpanel.admin.access import CurrentOperator, OperatorView, redirect, render
from flashpanel.admin.actions import perform
from flashpanel.admin.forms import Action, Int64, RequestId
from flashpanel.api.context import app_state
from flashpanel.errors import FlashpanelError
from flashpanel.otp import catalog as otp_catalog
from flashpanel.providers.base import ProviderError
from flashpanel.providers.service import is_cleartext, list_providers
from flashpanel.smm import catalog as smm_catalog
from flashpanel.web.forms import FORM


class ServicesForm(msgspec.Struct):
    request_id: RequestId
    action: str  # enable | disable | markup
    markup: str = ""
    service_ids: list[Int64] | Int64 = msgspec.field(default_factory=list)


Services = Annotated[ServicesForm, FORM]

CLEARTEXT = (
    "Its address is plain http://: the API key and every order cross the network unencrypted; use https:// "
    "unless the provider is on this machine or a private network."
)


class ProviderForm(msgspec.Struct):
    request_id: RequestId
    url: str = ""
    api_key: str = ""  # write-only: never shown again, never audited
    exchange_rate: str = ""
    markup: str = ""


ProviderAction = Annotated[ProviderForm, FORM]


class NewProviderForm(msgspec.Struct):
    request_id: RequestId
    name: str = ""
    kind: str = ""
    url: str = ""
    api_key: str = ""  # write-only: stored encrypted, never shown, never audited
    currency: str = "USD"
    exchange_rate: str = "1"


NewProvider = Annotated[NewProviderForm, FORM]


class PriceForm(msgspec.Struct):
    request_id: RequestId
    price: str = ""
    status: str = "active"  # active | disabled


Price = Annotated[PriceForm, FORM]


class NewCatalogEntryForm(msgspec.Struct):
    """Every "add" form of the catalog page; each action reads the fields it needs."""

    request_id: RequestId
    name: str = ""
    code: str = ""
    country: str = ""
    price: str = ""
    icon: str = ""
    category_id: str = ""
    min_quantity: str = "1"
    max_quantity: str = "10"
    description: str = ""


class OtpProviderForm(msgspec.Struct):
    request_id: RequestId
    service_id: str = ""
    provider: str = ""
    upstream_country: str = ""
    upstream_service: str = ""
    priority: str = "0"


OtpProvider = Annotated[OtpProviderForm, FORM]
NewCatalogEntry = Annotated[NewCatalogEntryForm, FORM]


SMM_SHOWN = 200  # SMM services the page lists at once (an imported catalog has thousands): search for others


@get("/catalog")
async def catalog_page(
    request: Request[Any, Any, Any], me: CurrentOperator, q: FromQuery[str] = ""
) -> Response[Any]:
    db = app_state(request).db
    search = q.strip()[:100]
    services = await db.read(catalog.smm_services, search=search, limit=SMM_SHOWN)
    total = await db.read(smm_catalog.count_services, search=search)
    otp = await db.read(catalog_otp.otp_lines)
    products = await db.read(stock.products)
    countries = await db.read(otp_catalog.all_countries)
    categories = await db.read(accounts_catalog.list_categories)
    provider_names = [p.name for p in await db.read(list_providers)]
    return render(
        request,
        "admin/catalog.html",
        services=services,
        smm_total=total,
        q=search,
        otp=otp,
        products=products,
        countries=countries,
        categories=categories,
        provider_names=provider_names,
        active="catalog",
    )


@post("/catalog/otp-costs")
async def check_otp_costs(request: Request[Any, Any, Any], me: CurrentOperator, data: Action) -> Response[Any]:
    try:
        checked = await catalog_otp.check_costs(app_state(request), actor=me.actor, request_id=data.request_id)
    except FlashpanelError as exc:
        return redirect(request, "/catalog", flash=exc.message, level="error")
    text = f"Costs checked: {checked.asked} answered"
    if checked.failed:
        text += f"; not answered: {'; '.join(checked.failed[:5])}"
        return redirect(request, "/catalog", flash=text, level="error")
    return redirect(request, "/catalog", flash=f"{text}.")


@post("/catalog/otp/{service_id:int}")
async def set_otp_service(
    request: Request[Any, Any, Any], me: CurrentOperator, service_id: FromPath[int], data: Price
) -> Response[Any]:
    try:
        await perform(
            app_state(request).db,
            catalog_prices.update_otp_service,
            actor=me.actor,
            service_id=service_id,
            price=data.price,
            active=data.status == "active",
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/catalog", flash=exc.message, level="error")
    return redirect(request, "/catalog", flash=f"OTP service {service_id} saved.")


@post("/catalog/accounts/{product_id:int}")
async def set_product(
    request: Request[Any, Any, Any], me: CurrentOperator, product_id: FromPath[int], data: Price
) -> Response[Any]:
    try:
        await perform(
            app_state(request).db,
            catalog_prices.update_product,
            actor=me.actor,
            product_id=product_id,
            price=data.price,
            active=data.status == "active",
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/catalog", flash=exc.message, level="error")
    return redirect(request, "/catalog", flash=f"Product {product_id} saved.")


@post("/catalog/smm")
async def set_services(request: Request[Any, Any, Any], me: CurrentOperator, data: Services) -> Response[Any]:
    ids = data.service_ids if isinstance(data.service_ids, list) else [data.service_ids]
    try:
        if data.action == "markup":
            repriced = await perform(
                app_state(request).db,
                catalog.apply_markup,
                actor=me.actor,
                service_ids=ids,
                markup=admin_providers.parse_markup(data.markup),
                request_id=data.request_id,
            )
            return redirect(
                request, "/catalog", flash=f"{repriced} services repriced at cost + {data.markup.strip()}%."
            )
        changed = await perform(
            app_state(request).db,
            catalog.set_services_active,
            actor=me.actor,
            service_ids=ids,
            active=data.action == "enable",
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/catalog", flash=exc.message, level="error")
    return redirect(request, "/catalog", flash=f"{changed} services {data.action}d.")


@get("/providers")
async def providers_page(request: Request[Any, Any, Any], me: CurrentOperator) -> Response[Any]:
    state = app_state(request)
    rows = await state.db.read(list_providers)
    return render(
        request, "admin/providers.html", providers=rows, balances=catalog.cached_balances(state), active="providers"
    )


@post("/providers")
async def add_provider(request: Request[Any, Any, Any], me: CurrentOperator, data: NewProvider) -> Response[Any]:
    state = app_state(request)
    try:
        info = await perform(
            state.db,
            admin_providers.add_provider,
            actor=me.actor,
            name=data.name,
            kind=data.kind,
            url=data.url,
            api_key=data.api_key,
            currency=data.currency,
            exchange_rate=data.exchange_rate,
            secrets=state.secrets,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/providers", flash=exc.message, level="error")
    if info.url is not None and is_cleartext(info.url):  # as `flashpanel providers add` warns
        return redirect(request, "/providers", flash=f"Provider {info.name} added. {CLEARTEXT}", level="info")
    return redirect(request, "/providers", flash=f"Provider {info.name} added.")


@post("/providers/{name:str}/{verb:str}")
async def provider_action(
    request: Request[Any, Any, Any],
    me: CurrentOperator,
    name: FromPath[str],
    verb: FromPath[str],
    data: ProviderAction,
) -> Response[Any]:
    state = app_state(request)
    if verb in ("update", "import", "sync"):
        return await _change_provider(request, me, name, verb, data)
    if verb == "balance":
        balance = await catalog.check_balance(state, name=name)
        text = f"{name}: {balance.amount} {balance.currency}" if balance.error is None else f"{name}: {balance.error}"
        return redirect(request, "/providers", flash=text, level="success" if balance.error is None else "error")
    if verb not in ("enable", "disable"):
        return redirect(request, "/providers", flash=f"Unknown action {verb!r}", level="error")
    try:
        await perform(
            state.db,
            catalog.set_provider_active,
            actor=me.actor,
            name=name,
            active=verb == "enable",
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/providers", flash=exc.message, level="error")
    return redirect(request, "/providers", flash=f"{name} {verb}d.")


async def _change_provider(
    request: Request[Any, Any, Any], me: OperatorView, name: str, verb: str, data: ProviderForm
) -> Response[Any]:
    state = app_state(request)
    try:
        if verb == "update":
            await perform(
                state.db,
                admin_providers.update_provider,
                actor=me.actor,
                name=name,
                secrets=state.secrets,
                url=data.url.strip() or None,
                api_key=data.api_key.strip() or None,
                exchange_rate=data.exchange_rate.strip() or None,
                request_id=data.request_id,
            )
            return redirect(request, "/providers", flash=f"{name} saved.")
        if verb == "sync":
            synced = await admin_providers.sync_now(state, actor=me.actor, name=name, request_id=data.request_id)
            return redirect(
                request,
                "/providers",
                flash=f"Synced {name}: {synced.updated} updated, {synced.disabled} disabled, "
                f"{len(synced.repriced)} repriced, {len(synced.rejected)} unreadable.",
            )
        report = await admin_providers.import_from(
            state,
            actor=me.actor,
            name=name,
            markup=admin_providers.parse_markup(data.markup),
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/providers", flash=exc.message, level="error")
    except ProviderError as exc:
        return redirect(request, "/providers", flash=f"{name}: {exc.message}", level="error")
    return redirect(
        request,
        "/providers",
        flash=f"Imported from {name}: {report.created} created, {report.updated} updated, "
        f"{len(report.rejected)} unreadable.",
    )


@post("/catalog/new/{kind:str}")
async def add_to_catalog(
    request: Request[Any, Any, Any], me: CurrentOperator, kind: FromPath[str], data: NewCatalogEntry
) -> Response[Any]:
    db = app_state(request).db
    try:
        if kind == "otp-country":
            new_id = await perform(
                db,
                catalog_edit.add_otp_country,
                actor=me.actor,
                name=data.name,
                code=data.code,
                request_id=data.request_id,
            )
            what = f"OTP country {new_id}"
        elif kind == "otp-service":
            new_id = await perform(
                db,
                catalog_edit.add_otp_service,
                actor=me.actor,
                country=data.country,
                name=data.name,
                code=data.code,
                price=data.price,
                request_id=data.request_id,
            )
            what = f"OTP service {new_id} (not sold until a provider is mapped to it)"
        elif kind == "accounts-category":
            new_id = await perform(
                db,
                catalog_edit.add_category,
                actor=me.actor,
                name=data.name,
                icon=data.icon,
                request_id=data.request_id,
            )
            what = f"Category {new_id}"
        elif kind == "accounts-product":
            new_id = await perform(
                db,
                catalog_edit.add_product,
                actor=me.actor,
                category_id=data.category_id,
                name=data.name,
                price=data.price,
                min_quantity=data.min_quantity,
                max_quantity=data.max_quantity,
                description=data.description,
                request_id=data.request_id,
            )
            what = f"Product {new_id}"
        else:
            return redirect(request, "/catalog", flash=f"Unknown catalog entry {kind!r}", level="error")
    except FlashpanelError as exc:
        return redirect(request, "/catalog", flash=exc.message, level="error")
    return redirect(request, "/catalog", flash=f"{what} added.")


@post("/catalog/otp-providers/{verb:str}")
async def otp_provider(
    request: Request[Any, Any, Any], me: CurrentOperator, verb: FromPath[str], data: OtpProvider
) -> Response[Any]:
    db = app_state(request).db
    try:
        if verb == "map":
            await perform(
                db,
                catalog_edit.map_otp_provider,
                actor=me.actor,
                service_id=data.service_id,
                provider=data.provider,
                upstream_country=data.upstream_country,
                upstream_service=data.upstream_service,
                priority=data.priority,
                request_id=data.request_id,
            )
            return redirect(
                request, "/catalog", flash=f"{data.provider.strip()} now sells OTP service {data.service_id}."
            )
        if verb != "unmap":
            return redirect(request, "/catalog", flash=f"Unknown action {verb!r}", level="error")
        await perform(
            db,
            catalog_edit.unmap_otp_provider,
            actor=me.actor,
            service_id=catalog_edit.parse_count(data.service_id, what="Service"),
            provider=data.provider,
            request_id=data.request_id,
        )
    except FlashpanelError as exc:
        return redirect(request, "/catalog", flash=exc.message, level="error")
    return redirect(
        request, "/catalog", flash=f"{data.provider.strip()} no longer sells OTP service {data.service_id}."
    )


routes = [
    catalog_page,
    check_otp_costs,
    otp_provider,
    add_to_catalog,
    set_services,
    set_otp_service,
    set_product,
    providers_page,
    add_provider,
    provider_action,
]
