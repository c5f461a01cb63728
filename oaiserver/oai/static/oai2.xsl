<?xml version="1.0" encoding="UTF-8"?>
<!--
  Shows OAI-PMH 2.0 responses as readable HTML in a web browser.
  Served by the oaiserver OAI-PMH blueprint; the responses point here with
  <?xml-stylesheet type="text/xsl" href="..."?>. Harvesters ignore it.
  The server runs it too (lxml), for a browser that asks for HTML: its
  <body> goes into the site's layout and the <style> below is left out.
  Links are relative ("?verb=..."), so they follow the page's own address.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:oai="http://www.openarchives.org/OAI/2.0/"
    xmlns:oai-identifier="http://www.openarchives.org/OAI/2.0/oai-identifier"
    exclude-result-prefixes="oai oai-identifier">

  <xsl:output method="html" encoding="UTF-8" indent="yes"/>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta charset="utf-8"/>
        <title>OAI-PMH <xsl:value-of select="oai:OAI-PMH/oai:request/@verb"/></title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em;
                 padding: 0 1em; color: #222; background: #fff; }
          h1 { font-size: 1.6em; border-bottom: 2px solid #2a6db0; padding-bottom: .3em; }
          h2 { font-size: 1.2em; margin-top: 1.5em; }
          nav a { margin-right: 1em; }
          table { border-collapse: collapse; margin: .5em 0; }
          th, td { text-align: left; vertical-align: top; padding: .25em .8em;
                   border-bottom: 1px solid #ddd; }
          th { color: #555; font-weight: 600; white-space: nowrap; }
          .item { border: 1px solid #ccd; border-radius: 4px; padding: .5em 1em; margin: 1em 0; }
          .deleted { background: #fbeaea; }
          .error { background: #fdecea; border: 1px solid #e0a0a0; padding: .5em 1em; }
          .meta { font-size: .9em; color: #555; }
          .xml { font-family: monospace; font-size: .85em; margin-left: 1em; }
          .xml .el { color: #2a6db0; }
          .resumption { margin: 1.5em 0; padding: .7em 1em; background: #eef4fb; }
        </style>
      </head>
      <body>
        <h1>OAI-PMH: <xsl:value-of select="oai:OAI-PMH/oai:request/@verb"/></h1>
        <nav aria-label="OAI-PMH requests">
          <a href="?verb=Identify">Identify</a>
          <a href="?verb=ListMetadataFormats">Metadata formats</a>
          <a href="?verb=ListSets">Sets</a>
          <a href="?verb=ListIdentifiers&amp;metadataPrefix=oai_dc">Identifiers</a>
          <a href="?verb=ListRecords&amp;metadataPrefix=oai_dc">Records</a>
        </nav>
        <p class="meta">
          Response date <xsl:value-of select="oai:OAI-PMH/oai:responseDate"/>;
          request to <xsl:value-of select="oai:OAI-PMH/oai:request"/>
          <xsl:for-each select="oai:OAI-PMH/oai:request/@*">
            <xsl:text> </xsl:text><xsl:value-of select="name()"/>=<xsl:value-of select="."/>
          </xsl:for-each>
        </p>
        <xsl:apply-templates select="oai:OAI-PMH/oai:error"/>
        <xsl:apply-templates select="oai:OAI-PMH/oai:Identify"/>
        <xsl:apply-templates select="oai:OAI-PMH/oai:ListMetadataFormats"/>
        <xsl:apply-templates select="oai:OAI-PMH/oai:ListSets"/>
        <xsl:apply-templates select="oai:OAI-PMH/oai:ListIdentifiers"/>
        <xsl:apply-templates select="oai:OAI-PMH/oai:ListRecords"/>
        <xsl:apply-templates select="oai:OAI-PMH/oai:GetRecord"/>
        <p class="meta">This page is an OAI-PMH 2.0 response shown through an XSL stylesheet;
          harvesters read the XML itself.</p>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="oai:error">
    <div class="error"><strong>Error <xsl:value-of select="@code"/>:</strong>
      <xsl:text> </xsl:text><xsl:value-of select="."/></div>
  </xsl:template>

  <xsl:template match="oai:Identify">
    <h2>Repository</h2>
    <table>
      <tr><th>Repository name</th><td><xsl:value-of select="oai:repositoryName"/></td></tr>
      <tr><th>Base URL</th><td><xsl:value-of select="oai:baseURL"/></td></tr>
      <tr><th>Protocol version</th><td><xsl:value-of select="oai:protocolVersion"/></td></tr>
      <xsl:for-each select="oai:adminEmail">
        <tr><th>Admin e-mail</th><td><a href="mailto:{.}"><xsl:value-of select="."/></a></td></tr>
      </xsl:for-each>
      <tr><th>Earliest datestamp</th><td><xsl:value-of select="oai:earliestDatestamp"/></td></tr>
      <tr><th>Deleted records</th><td><xsl:value-of select="oai:deletedRecord"/></td></tr>
      <tr><th>Granularity</th><td><xsl:value-of select="oai:granularity"/></td></tr>
      <xsl:for-each select="oai:compression">
        <tr><th>Compression</th><td><xsl:value-of select="."/></td></tr>
      </xsl:for-each>
      <xsl:for-each select="oai:description/oai-identifier:oai-identifier">
        <tr><th>Repository identifier</th>
          <td><xsl:value-of select="oai-identifier:repositoryIdentifier"/></td></tr>
        <tr><th>Sample identifier</th>
          <td><xsl:value-of select="oai-identifier:sampleIdentifier"/></td></tr>
      </xsl:for-each>
    </table>
  </xsl:template>

  <xsl:template match="oai:ListMetadataFormats">
    <h2>Metadata formats</h2>
    <table>
      <tr><th>Prefix</th><th>Schema</th><th>Namespace</th><th>Records</th></tr>
      <xsl:for-each select="oai:metadataFormat">
        <tr>
          <td><xsl:value-of select="oai:metadataPrefix"/></td>
          <td><a href="{oai:schema}"><xsl:value-of select="oai:schema"/></a></td>
          <td><xsl:value-of select="oai:metadataNamespace"/></td>
          <td><a href="?verb=ListRecords&amp;metadataPrefix={oai:metadataPrefix}">records</a></td>
        </tr>
      </xsl:for-each>
    </table>
  </xsl:template>

  <xsl:template match="oai:ListSets">
    <h2>Sets</h2>
    <table>
      <tr><th>setSpec</th><th>Name</th><th>Description</th></tr>
      <xsl:for-each select="oai:set">
        <tr>
          <td><a href="?verb=ListRecords&amp;metadataPrefix=oai_dc&amp;set={oai:setSpec}">
            <xsl:value-of select="oai:setSpec"/></a></td>
          <td><xsl:value-of select="oai:setName"/></td>
          <td><xsl:value-of select="oai:setDescription"/></td>
        </tr>
      </xsl:for-each>
    </table>
    <xsl:apply-templates select="oai:resumptionToken"/>
  </xsl:template>

  <xsl:template match="oai:ListIdentifiers">
    <h2>Identifiers</h2>
    <xsl:apply-templates select="oai:resumptionToken" mode="summary"/>
    <xsl:apply-templates select="oai:header"/>
    <xsl:apply-templates select="oai:resumptionToken"/>
  </xsl:template>

  <xsl:template match="oai:ListRecords">
    <h2>Records</h2>
    <xsl:apply-templates select="oai:resumptionToken" mode="summary"/>
    <xsl:apply-templates select="oai:record"/>
    <xsl:apply-templates select="oai:resumptionToken"/>
  </xsl:template>

  <xsl:template match="oai:GetRecord">
    <h2>Record</h2>
    <xsl:apply-templates select="oai:record"/>
  </xsl:template>

  <xsl:template match="oai:record">
    <div class="item">
      <xsl:if test="oai:header/@status = 'deleted'">
        <xsl:attribute name="class">item deleted</xsl:attribute>
      </xsl:if>
      <xsl:apply-templates select="oai:header" mode="table"/>
      <xsl:if test="oai:metadata">
        <div class="xml"><xsl:apply-templates select="oai:metadata/*" mode="xml"/></div>
      </xsl:if>
    </div>
  </xsl:template>

  <xsl:template match="oai:header">
    <div class="item">
      <xsl:if test="@status = 'deleted'">
        <xsl:attribute name="class">item deleted</xsl:attribute>
      </xsl:if>
      <xsl:apply-templates select="." mode="table"/>
    </div>
  </xsl:template>

  <xsl:template match="oai:header" mode="table">
    <table>
      <tr><th>Identifier</th><td>
        <a href="?verb=GetRecord&amp;metadataPrefix=oai_dc&amp;identifier={oai:identifier}">
          <xsl:value-of select="oai:identifier"/></a>
        <xsl:if test="@status = 'deleted'"> (deleted)</xsl:if>
        <xsl:text> </xsl:text>
        <a href="?verb=ListMetadataFormats&amp;identifier={oai:identifier}">formats</a>
      </td></tr>
      <tr><th>Datestamp</th><td><xsl:value-of select="oai:datestamp"/></td></tr>
      <xsl:for-each select="oai:setSpec">
        <tr><th>Set</th><td>
          <a href="?verb=ListRecords&amp;metadataPrefix=oai_dc&amp;set={.}">
            <xsl:value-of select="."/></a></td></tr>
      </xsl:for-each>
    </table>
  </xsl:template>

  <!-- any metadata payload, as an indented tree of element names and text -->
  <xsl:template match="*" mode="xml">
    <div>
      <span class="el"><xsl:value-of select="local-name()"/></span>
      <xsl:for-each select="@*[local-name() != 'schemaLocation']">
        <xsl:text> </xsl:text><xsl:value-of select="local-name()"/>="<xsl:value-of select="."/>"
      </xsl:for-each>
      <xsl:if test="normalize-space(text())">: <xsl:value-of select="text()"/></xsl:if>
      <div class="xml"><xsl:apply-templates select="*" mode="xml"/></div>
    </div>
  </xsl:template>

  <xsl:template match="oai:resumptionToken" mode="summary">
    <p class="meta">Items <xsl:value-of select="@cursor + 1"/> to
      <xsl:value-of select="@cursor + count(../oai:record | ../oai:header)"/>
      of <xsl:value-of select="@completeListSize"/>.</p>
  </xsl:template>

  <xsl:template match="oai:resumptionToken">
    <div class="resumption">
      <xsl:choose>
        <xsl:when test="normalize-space(.)">
          <a class="next" href="?verb={/oai:OAI-PMH/oai:request/@verb}&amp;resumptionToken={.}">Next page</a>
          <span class="meta"> (this token expires <xsl:value-of select="@expirationDate"/>)</span>
        </xsl:when>
        <xsl:otherwise>This is the last page of the list.</xsl:otherwise>
      </xsl:choose>
    </div>
  </xsl:template>
</xsl:stylesheet>
