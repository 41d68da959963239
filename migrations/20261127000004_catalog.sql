-- The product catalog of Products & Purchase, seeded here so every environment prices from the
-- same rows. The catalog changes only through migrations; the app loads it whole (it is small).
--
-- Money is integer minor units (cents) with a currency code, never a float. EVERY PRICE BELOW IS
-- A PLACEHOLDER: Yeastar publishes no list prices, so these follow the 5-8 USD per user per
-- month seen at resellers. Each price row says so in its `placeholder` column, and the pages
-- show it, until real prices replace them (a later migration that also sets placeholder = false).

create type addon_pricing as enum (
    -- quantity x price per month, e.g. 3 x "100 minutes" of recording
    'per_unit_monthly',
    -- one price per month, on or off (quantity 1), e.g. High Availability
    'flat_monthly',
    -- charged once per purchase, never repeated or term-discounted, e.g. a Hot Standby licence
    'flat_once'
);

create table product_types (
    code          text primary key,
    name          text not null,
    description   text not null,
    sort_order    integer not null,
    -- null: the product has no free trial
    trial_days    integer check (trial_days > 0),
    -- what the plan's quantity counts, e.g. 'extension' / 'extensions'
    unit_singular text not null,
    unit_plural   text not null
);

create table plans (
    code          text primary key,
    product_type  text not null references product_types (code),
    name          text not null,
    description   text not null,
    -- the order of plans within a product: a higher tier is an upgrade (EP -> UP takes effect at
    -- once, prorated; UP -> EP at the end of the term)
    tier          smallint not null check (tier > 0),
    -- price of one unit (extension, user, device) for one month
    unit_price_minor bigint not null check (unit_price_minor >= 0),
    currency      char(3) not null check (currency ~ '^[A-Z]{3}$'),
    min_units     integer not null check (min_units >= 1),
    max_units     integer not null,
    included_recording_minutes integer not null default 0 check (included_recording_minutes >= 0),
    placeholder   boolean not null default true,
    unique (product_type, tier),
    constraint plans_units_range check (min_units <= max_units)
);

create table addons (
    code          text primary key,
    name          text not null,
    description   text not null,
    sort_order    integer not null,
    pricing       addon_pricing not null,
    -- what one of quantity buys, e.g. '100 minutes', 'call', 'extension'
    unit_label    text not null,
    -- list price of one unit_label (per month unless pricing is 'flat_once')
    price_minor   bigint not null check (price_minor >= 0),
    currency      char(3) not null check (currency ~ '^[A-Z]{3}$'),
    -- each unit is one more of the plan's units (an extension): it counts against the plan's
    -- max_units, so 450 extensions + 100 expansion is refused on a 500-extension Cloud PBX
    adds_units    boolean not null default false,
    placeholder   boolean not null default true,
    -- only a counted add-on can add units (a flat one is on or off: its quantity is always 1)
    constraint addons_adds_units_is_per_unit check (pricing = 'per_unit_monthly' or not adds_units)
);

-- Which add-ons each plan allows, and how many. An add-on missing here is refused for that plan.
create table plan_addons (
    plan_code     text not null references plans (code),
    addon_code    text not null references addons (code),
    max_quantity  integer not null check (max_quantity >= 1),
    -- this plan's own price for the add-on, where it differs from the list price: an extension
    -- bought as expansion costs what the plan charges per extension
    price_minor   bigint check (price_minor >= 0),
    placeholder   boolean not null default true,
    primary key (plan_code, addon_code)
);

-- Annual terms (1-5 years) are cheaper per month than paying monthly: percent off the recurring
-- charges of the whole term. One-time charges are never discounted.
create table term_discounts (
    years         smallint primary key check (years between 1 and 5),
    percent_off   smallint not null check (percent_off between 0 and 100),
    placeholder   boolean not null default true
);

insert into product_types (code, name, description, sort_order, trial_days, unit_singular, unit_plural) values
    ('cloud_pbx', 'Cloud PBX',
     'Yeastar P-Series Cloud Edition: a PBX instance hosted by Yeastar.', 1, 30, 'extension', 'extensions'),
    ('software_pbx', 'Software PBX',
     'Yeastar P-Series Software Edition, installed on your own server or cloud.', 2, null, 'extension', 'extensions'),
    ('linkus_cloud', 'Linkus Cloud Service',
     'Linkus UC clients for mobile, desktop and web, connected through Yeastar''s cloud.', 3, 30, 'user', 'users'),
    ('workplace_saas', 'Workplace SaaS',
     'Yeastar Workplace: room and desk booking, visitor management and digital signage.', 4, 14, 'user', 'users'),
    ('remote_management', 'Remote Management',
     'Central Management: monitor, configure and upgrade your Yeastar devices remotely.', 5, null, 'device', 'devices');

-- Prices in US cents (placeholders, see the top of this file).
insert into plans (code, product_type, name, description, tier, unit_price_minor, currency,
                   min_units, max_units, included_recording_minutes) values
    ('cloud_pbx_enterprise', 'cloud_pbx', 'Enterprise Plan (EP)',
     'Calling, IVR, queues, call recording and the Linkus UC clients.', 1, 500, 'USD', 1, 500, 500),
    ('cloud_pbx_ultimate', 'cloud_pbx', 'Ultimate Plan (UP)',
     'Everything in EP, plus call center features, CRM integrations and High Availability.', 2, 800, 'USD', 1, 500, 500),
    ('software_pbx_standard', 'software_pbx', 'Standard Plan',
     'The P-Series feature set on your own server, priced per extension.', 1, 400, 'USD', 1, 10000, 0),
    ('linkus_cloud_standard', 'linkus_cloud', 'Standard',
     'Linkus clients for every user, without running a PBX of your own.', 1, 200, 'USD', 1, 10000, 0),
    ('workplace_basic', 'workplace_saas', 'Basic',
     'Room booking and displays.', 1, 500, 'USD', 1, 10000, 0),
    ('workplace_standard', 'workplace_saas', 'Standard',
     'Basic, plus desk booking and visitor management.', 2, 650, 'USD', 1, 10000, 0),
    ('workplace_pro', 'workplace_saas', 'Pro',
     'Standard, plus analytics, digital signage and integrations.', 3, 800, 'USD', 1, 10000, 0),
    ('remote_management_standard', 'remote_management', 'Standard',
     'Monitoring, alarms, remote access and bulk upgrades.', 1, 100, 'USD', 1, 10000, 0);

insert into addons (code, name, description, sort_order, pricing, unit_label, price_minor, currency, adds_units) values
    ('extension_expansion', 'Extension expansion',
     'More extensions on the same PBX, at the plan''s price per extension.', 1,
     'per_unit_monthly', 'extension', 500, 'USD', true),
    ('recording_minutes', 'Recording minutes',
     'Call recording beyond the minutes included in the plan.', 2,
     'per_unit_monthly', '100 minutes', 200, 'USD', false),
    ('concurrent_calls', 'Concurrent calls',
     'More calls at the same time.', 3,
     'per_unit_monthly', 'call', 150, 'USD', false),
    ('high_availability', 'High Availability',
     'A standby instance that takes over if the PBX fails.', 4,
     'flat_monthly', 'PBX', 3000, 'USD', false),
    -- charged once: a licence for the standby server of a self-hosted PBX, which keeps working
    -- for as long as the PBX does (the customer runs the server, so nothing recurs for Yeastar)
    ('hot_standby', 'Hot Standby',
     'A licence for a second server that takes over if the primary fails.', 5,
     'flat_once', 'server', 9900, 'USD', false);

-- Extension expansion is priced per plan (price_minor) so an extension costs the same bought
-- either way; a null price_minor means the add-on's list price. High Availability is UP only.
insert into plan_addons (plan_code, addon_code, max_quantity, price_minor) values
    ('cloud_pbx_enterprise', 'extension_expansion', 499, null),
    ('cloud_pbx_enterprise', 'recording_minutes', 100, null),
    ('cloud_pbx_enterprise', 'concurrent_calls', 200, null),
    ('cloud_pbx_ultimate', 'extension_expansion', 499, 800),
    ('cloud_pbx_ultimate', 'recording_minutes', 100, null),
    ('cloud_pbx_ultimate', 'concurrent_calls', 200, null),
    ('cloud_pbx_ultimate', 'high_availability', 1, null),
    ('software_pbx_standard', 'extension_expansion', 9999, 400),
    ('software_pbx_standard', 'concurrent_calls', 1000, null),
    ('software_pbx_standard', 'hot_standby', 1, null);

insert into term_discounts (years, percent_off) values
    (1, 10),
    (2, 15),
    (3, 20),
    (4, 22),
    (5, 25);
