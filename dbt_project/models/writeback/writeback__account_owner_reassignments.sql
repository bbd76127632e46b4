{#- Owner changes proposed for accounts, to be written back to Account.OwnerId and
    Account.CSM__c: an account owned by a deactivated user goes to its (active) CSM, and a
    Customer account without a CSM gets its (active) Account Owner as CSM. One row per account
    with a proposal; a NULL column means "no change" (write-back leaves the field alone). -#}

with companies as (

    select * from {{ ref('companies') }}

),

owners as (

    select * from {{ ref('account_owners') }}

),

account_owner as (

    select
        owners.account_id,
        owners.user_id,
        owners.is_active_user,
    from owners
    where owners.owner_type = 'Account Owner'

),

csm as (

    select
        owners.account_id,
        owners.user_id,
        owners.is_active_user,
    from owners
    where owners.owner_type = 'CSM'

),

proposals as (

    select
        companies.account_id,
        case
            when account_owner.is_active_user = false and csm.is_active_user
                then csm.user_id
        end as owner_user_id,
        case
            when companies.company_type = 'Customer'
                and csm.user_id is null
                and account_owner.is_active_user
                then account_owner.user_id
        end as csm_user_id,
        account_owner.user_id as current_owner_user_id,
    from companies
    left join account_owner
        on companies.account_id = account_owner.account_id
    left join csm
        on companies.account_id = csm.account_id

),

final as (

    select
        proposals.account_id,
        proposals.owner_user_id,
        proposals.csm_user_id,
        proposals.current_owner_user_id,
        case
            when proposals.owner_user_id is not null
                then 'account owner is deactivated: handed to the CSM'
            else 'customer without a CSM: the account owner looks after it'
        end as reason,
    from proposals
    where proposals.owner_user_id is not null
        or proposals.csm_user_id is not null

)

select * from final
