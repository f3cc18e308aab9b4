"""Column (attribute) logical names per table, generated from the CDM entity files in
`shared/api-specs/dynamics365/cdm/v0.4-2018/` (microsoft/CDM, CC BY 4.0), `*_base` currency
shadows and `yomi*`/`address3_*` columns left out. Option sets (state/status pairs) are in
`schema.py`. Regenerate from those files rather than editing by hand.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


CDM_COLUMNS: dict[str, frozenset[str]] = {
    "account": _words(
        """
        accountcategorycode accountclassificationcode accountid accountnumber accountratingcode
        address1_addressid address1_addresstypecode address1_city address1_composite
        address1_country address1_county address1_fax address1_freighttermscode address1_latitude
        address1_line1 address1_line2 address1_line3 address1_longitude address1_name
        address1_postalcode address1_postofficebox address1_primarycontactname
        address1_shippingmethodcode address1_stateorprovince address1_telephone1 address1_telephone2
        address1_telephone3 address1_upszone address1_utcoffset address2_addressid
        address2_addresstypecode address2_city address2_composite address2_country address2_county
        address2_fax address2_freighttermscode address2_latitude address2_line1 address2_line2
        address2_line3 address2_longitude address2_name address2_postalcode address2_postofficebox
        address2_primarycontactname address2_shippingmethodcode address2_stateorprovince
        address2_telephone1 address2_telephone2 address2_telephone3 address2_upszone
        address2_utcoffset aging30 aging60 aging90 businesstypecode createdby createdbyexternalparty
        createdon createdonbehalfby creditlimit creditonhold customersizecode customertypecode
        defaultpricelevelid description donotbulkemail donotbulkpostalmail donotemail donotfax
        donotphone donotpostalmail donotsendmm emailaddress1 emailaddress2 emailaddress3
        entityimageid exchangerate fax followemail ftpsiteurl importsequencenumber industrycode
        lastonholdtime lastusedincampaign marketcap marketingonly masterid merged modifiedby
        modifiedbyexternalparty modifiedon modifiedonbehalfby name numberofemployees onholdtime
        opendeals opendeals_date opendeals_state openrevenue openrevenue_date openrevenue_state
        originatingleadid overriddencreatedon ownerid ownershipcode owningbusinessunit owningteam
        owninguser parentaccountid participatesinworkflow paymenttermscode
        preferredappointmentdaycode preferredappointmenttimecode preferredcontactmethodcode
        preferredequipmentid preferredserviceid preferredsystemuserid primarycontactid
        primarysatoriid primarytwitterid processid revenue sharesoutstanding shippingmethodcode sic
        slaid slainvokedid stageid statecode statuscode stockexchange telephone1 telephone2
        telephone3 territorycode territoryid tickersymbol timespentbymeonemailandmeetings
        timezoneruleversionnumber transactioncurrencyid traversedpath utcconversiontimezonecode
        versionnumber websiteurl
        """
    ),
    "contact": _words(
        """
        accountid accountrolecode address1_addressid address1_addresstypecode address1_city
        address1_composite address1_country address1_county address1_fax address1_freighttermscode
        address1_latitude address1_line1 address1_line2 address1_line3 address1_longitude
        address1_name address1_postalcode address1_postofficebox address1_primarycontactname
        address1_shippingmethodcode address1_stateorprovince address1_telephone1 address1_telephone2
        address1_telephone3 address1_upszone address1_utcoffset address2_addressid
        address2_addresstypecode address2_city address2_composite address2_country address2_county
        address2_fax address2_freighttermscode address2_latitude address2_line1 address2_line2
        address2_line3 address2_longitude address2_name address2_postalcode address2_postofficebox
        address2_primarycontactname address2_shippingmethodcode address2_stateorprovince
        address2_telephone1 address2_telephone2 address2_telephone3 address2_upszone
        address2_utcoffset aging30 aging60 aging90 anniversary annualincome assistantname
        assistantphone birthdate business2 callback childrensnames company contactid createdby
        createdbyexternalparty createdon createdonbehalfby creditlimit creditonhold customersizecode
        customertypecode defaultpricelevelid department description donotbulkemail
        donotbulkpostalmail donotemail donotfax donotphone donotpostalmail donotsendmm educationcode
        emailaddress1 emailaddress2 emailaddress3 employeeid entityimageid exchangerate
        externaluseridentifier familystatuscode fax firstname followemail ftpsiteurl fullname
        gendercode governmentid haschildrencode home2 importsequencenumber isbackofficecustomer
        jobtitle lastname lastonholdtime lastusedincampaign leadsourcecode managername managerphone
        marketingonly masterid merged middlename mobilephone modifiedby modifiedbyexternalparty
        modifiedon modifiedonbehalfby nickname numberofchildren onholdtime originatingleadid
        overriddencreatedon ownerid owningbusinessunit owningteam owninguser pager parentcontactid
        parentcustomerid participatesinworkflow paymenttermscode preferredappointmentdaycode
        preferredappointmenttimecode preferredcontactmethodcode preferredequipmentid
        preferredserviceid preferredsystemuserid processid salutation shippingmethodcode slaid
        slainvokedid spousesname stageid statecode statuscode suffix telephone1 telephone2
        telephone3 territorycode timespentbymeonemailandmeetings timezoneruleversionnumber
        transactioncurrencyid traversedpath utcconversiontimezonecode versionnumber websiteurl
        """
    ),
    "product": _words(
        """
        createdby createdbyexternalparty createdon createdonbehalfby currentcost defaultuomid
        defaultuomscheduleid description entityimageid exchangerate hierarchypath
        importsequencenumber iskit isstockitem modifiedby modifiedbyexternalparty modifiedon
        modifiedonbehalfby name organizationid overriddencreatedon parentproductid price
        pricelevelid processid productid productnumber productstructure producttypecode producturl
        quantitydecimal quantityonhand size stageid standardcost statecode statuscode stockvolume
        stockweight subjectid suppliername timezoneruleversionnumber transactioncurrencyid
        traversedpath utcconversiontimezonecode validfromdate validtodate vendorid vendorname
        vendorpartnumber versionnumber
        """
    ),
    "uom": _words(
        """
        baseuom createdby createdbyexternalparty createdon createdonbehalfby importsequencenumber
        isschedulebaseuom modifiedby modifiedbyexternalparty modifiedon modifiedonbehalfby name
        organizationid overriddencreatedon quantity timezoneruleversionnumber uomid uomscheduleid
        utcconversiontimezonecode versionnumber
        """
    ),
    "uomschedule": _words(
        """
        baseuomname createdby createdbyexternalparty createdon createdonbehalfby description
        importsequencenumber modifiedby modifiedbyexternalparty modifiedon modifiedonbehalfby name
        organizationid overriddencreatedon statecode statuscode timezoneruleversionnumber
        uomscheduleid utcconversiontimezonecode versionnumber
        """
    ),
    "pricelevel": _words(
        """
        begindate createdby createdon createdonbehalfby description enddate exchangerate
        freighttermscode importsequencenumber modifiedby modifiedon modifiedonbehalfby name
        organizationid overriddencreatedon paymentmethodcode pricelevelid shippingmethodcode
        statecode statuscode timezoneruleversionnumber transactioncurrencyid
        utcconversiontimezonecode versionnumber
        """
    ),
    "productpricelevel": _words(
        """
        amount createdby createdon createdonbehalfby discounttypeid exchangerate
        importsequencenumber modifiedby modifiedon modifiedonbehalfby organizationid
        overriddencreatedon percentage pricelevelid pricingmethodcode processid productid
        productnumber productpricelevelid quantitysellingcode roundingoptionamount
        roundingoptioncode roundingpolicycode stageid timezoneruleversionnumber
        transactioncurrencyid traversedpath uomid uomscheduleid utcconversiontimezonecode
        versionnumber
        """
    ),
    "salesorder": _words(
        """
        accountid billto_addressid billto_city billto_composite billto_contactname billto_country
        billto_fax billto_line1 billto_line2 billto_line3 billto_name billto_postalcode
        billto_stateorprovince billto_telephone campaignid contactid createdby createdon
        createdonbehalfby customerid datefulfilled description discountamount discountpercentage
        emailaddress entityimageid exchangerate freightamount freighttermscode importsequencenumber
        ispricelocked lastbackofficesubmit lastonholdtime modifiedby modifiedon modifiedonbehalfby
        name onholdtime opportunityid ordernumber overriddencreatedon ownerid owningbusinessunit
        owningteam owninguser paymenttermscode pricelevelid pricingerrorcode prioritycode processid
        quoteid requestdeliveryby salesorderid shippingmethodcode shipto_addressid shipto_city
        shipto_composite shipto_contactname shipto_country shipto_fax shipto_freighttermscode
        shipto_line1 shipto_line2 shipto_line3 shipto_name shipto_postalcode shipto_stateorprovince
        shipto_telephone slaid slainvokedid stageid statecode statuscode submitdate submitstatus
        submitstatusdescription timezoneruleversionnumber totalamount totalamountlessfreight
        totaldiscountamount totallineitemamount totallineitemdiscountamount totaltax
        transactioncurrencyid traversedpath utcconversiontimezonecode versionnumber willcall
        """
    ),
    "salesorderdetail": _words(
        """
        baseamount createdby createdon createdonbehalfby description exchangerate extendedamount
        importsequencenumber iscopied ispriceoverridden isproductoverridden lineitemnumber
        manualdiscountamount modifiedby modifiedon modifiedonbehalfby overriddencreatedon ownerid
        owningbusinessunit owningteam owninguser parentbundleid priceperunit pricingerrorcode
        productassociationid productdescription productid productname producttypecode
        propertyconfigurationstatus quantity quantitybackordered quantitycancelled quantityshipped
        requestdeliveryby salesorderdetailid salesorderdetailname salesorderid
        salesorderispricelocked salesorderstatecode salesrepid sequencenumber shipto_addressid
        shipto_city shipto_contactname shipto_country shipto_fax shipto_freighttermscode
        shipto_line1 shipto_line2 shipto_line3 shipto_name shipto_postalcode shipto_stateorprovince
        shipto_telephone tax timezoneruleversionnumber transactioncurrencyid uomid
        utcconversiontimezonecode versionnumber volumediscountamount willcall
        """
    ),
    "invoice": _words(
        """
        accountid billto_city billto_composite billto_country billto_fax billto_line1 billto_line2
        billto_line3 billto_name billto_postalcode billto_stateorprovince billto_telephone contactid
        createdby createdon createdonbehalfby customerid datedelivered description discountamount
        discountpercentage duedate emailaddress entityimageid exchangerate freightamount
        importsequencenumber invoiceid invoicenumber ispricelocked lastbackofficesubmit
        lastonholdtime modifiedby modifiedon modifiedonbehalfby name onholdtime opportunityid
        overriddencreatedon ownerid owningbusinessunit owningteam owninguser paymenttermscode
        pricelevelid pricingerrorcode prioritycode processid salesorderid shippingmethodcode
        shipto_city shipto_composite shipto_country shipto_fax shipto_freighttermscode shipto_line1
        shipto_line2 shipto_line3 shipto_name shipto_postalcode shipto_stateorprovince
        shipto_telephone slaid slainvokedid stageid statecode statuscode timezoneruleversionnumber
        totalamount totalamountlessfreight totaldiscountamount totallineitemamount
        totallineitemdiscountamount totaltax transactioncurrencyid traversedpath
        utcconversiontimezonecode versionnumber willcall
        """
    ),
    "transactioncurrency": _words(
        """
        createdby createdon createdonbehalfby currencyname currencyprecision currencysymbol
        entityimageid exchangerate importsequencenumber isocurrencycode modifiedby modifiedon
        modifiedonbehalfby organizationid overriddencreatedon statecode statuscode
        transactioncurrencyid versionnumber
        """
    ),
}
