"""Graph -> other tools: Neo4j, the embedded Cypher engine and query pack, RDF/SPARQL, Gephi."""
