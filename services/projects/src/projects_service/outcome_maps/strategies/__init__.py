"""The strategy map: strategies per partner, each in a cell (I1..E3) of target x type."""
